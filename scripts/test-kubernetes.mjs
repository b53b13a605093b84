#!/usr/bin/env node
// `npm run test:kubernetes`: the Kubernetes rollout e2e stories against a real cluster, the one of
// SKIFF_TEST_KUBECONFIG (kind, k3s, a cloud cluster). Without it nothing runs, and it says so
// loudly (exit 0: a machine without a cluster is not a failure). See docs/kubernetes.md.
import { spawnSync } from 'node:child_process';

const stories = [
  'test/e2e/kubernetes-rollouts.test.ts',
  'test/e2e/kubernetes-stuck-rollouts.test.ts',
  'test/e2e/kubernetes-functions.test.ts',
  'test/e2e/kubernetes-volumes.test.ts',
  'test/e2e/kubernetes-jobs.test.ts',
];

if (!process.env.SKIFF_TEST_KUBECONFIG) {
  const line = '!'.repeat(78);
  console.error(`${line}\n!!! test:kubernetes DID NOT RUN: SKIFF_TEST_KUBECONFIG is not set.\n!!! Set it to a cluster's kubeconfig and SKIFF_TEST_REGISTRY to a registry the cluster pulls from\n!!! (see docs/kubernetes.md, "Testing against a real cluster"). Nothing was tested.\n${line}`);
  process.exit(0);
}
if (!process.env.SKIFF_TEST_REGISTRY) {
  console.error('test:kubernetes: SKIFF_TEST_REGISTRY is not set: the registry this machine pushes to and the cluster pulls from (e.g. localhost:5001/skiff)');
  process.exit(2);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync('npx', ['vitest', 'run', '--testTimeout=1200000', ...stories], { stdio: 'inherit', env: { ...process.env, CI: process.env.CI ?? 'true' } });
process.exit(run.status ?? 1);
