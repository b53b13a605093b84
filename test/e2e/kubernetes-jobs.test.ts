/**
 * Jobs and `skiff run` on Kubernetes with the real `skiff up`: each run is a batch/v1 Job of one
 * pod with the service's release (its image by digest, config, secrets), created by the control
 * plane. A job that succeeds and one that fails show in `skiff jobs` with their result, exit code
 * and the last lines of their output (the pod's log), and `skiff run` streams a run's output and
 * exits with its code. The Jobs' pods are no instances of the service.
 *
 * Where it runs (kubernetes-cluster.ts): the fake API server in docker mode (its Job controller
 * runs the pod to completion on the Docker engine) and a real registry; or a real cluster with
 * SKIFF_TEST_KUBECONFIG. Skipped, loudly, when the engine or registry is missing outside CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { clusterEnvironments, startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type Platform } from './platform.js';

const missing = await testClusterMissing();

const server = `import http from 'node:http';
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

function spec(cluster: TestCluster): string {
  return `name: kube-jobs
services:
  orders:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: { REGION: eu }
    readiness: { http: /health, interval: 500ms }
jobs:
  tally:
    service: orders
    command: [node, -e, "console.log('tallied in ' + process.env.REGION + ' by ' + process.env.SKIFF_JOB + ' with ' + process.env.SKIFF_RELEASE)"]
    schedule: "*/4 * * * * *"
    environments: [cluster]
  mailer:
    service: orders
    command: [node, -e, "console.error('cannot reach the mail server'); process.exit(3)"]
    schedule: "*/5 * * * * *"
    environments: [cluster]
${clusterEnvironments(cluster, 'orders', 1)}`;
}

interface JobJson {
  readonly name: string;
  readonly environment: string;
  readonly lastRun: { readonly status: string; readonly exitCode: number | null; readonly output: string; readonly reason: string | null } | null;
}

type JobObject = KubeObject & { readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string }[] } };

describe.runIf(missing.length === 0)('jobs on Kubernetes', () => {
  let cluster: TestCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-jobs');
    platform = await startPlatform({ spec: spec(cluster), files: { 'svc/server.mjs': server } });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 180_000);

  it('a job run is a Job: one that succeeds and one that fails show in skiff jobs with their status, exit code and output; skiff run streams its output and exits with its code', async () => {
    expect(platform.cli(['build', 'orders']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'orders', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const jobs = async (): Promise<JobJson[]> => {
      const listed = await platform.cliAsync(['jobs', '--env', 'cluster', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      return JSON.parse(listed.stdout) as JobJson[];
    };

    const tally = await waitFor('tally to succeed', async () => (await jobs()).find((job) => job.name === 'tally' && job.lastRun?.status === 'succeeded'), 240_000);
    expect(tally.lastRun).toMatchObject({ exitCode: 0, output: 'tallied in eu by tally with v1' });
    const mailer = await waitFor('mailer to fail', async () => (await jobs()).find((job) => job.name === 'mailer' && job.lastRun?.status === 'failed'), 120_000);
    expect(mailer.lastRun).toMatchObject({ exitCode: 3, output: 'cannot reach the mail server', reason: 'exited with code 3' });

    const table = await platform.cliAsync(['jobs', '--env', 'cluster']);
    expect(table.stdout).toMatch(/mailer\s+cluster\s+orders.*(failed \(exit 3\)|running \(1\))/);
    const history = await platform.cliAsync(['jobs', 'tally', '--env', 'cluster']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toContain('succeeded');

    // Each run was a Job in the namespace, Complete or Failed as Kubernetes reports it.
    const { items } = await cluster.client.list<JobObject>(kubeResources.Job, { labelSelector: 'skiff.dev/environment=cluster' });
    const finished = (reason: string): boolean => items.some((job) => (job.status?.conditions ?? []).some((condition) => condition.status === 'True' && condition.type === reason));
    expect(finished('Complete')).toBe(true);
    expect(finished('Failed')).toBe(true);
    expect(items.map((job) => job.metadata.labels?.['app.kubernetes.io/name'])).toEqual(items.map(() => 'orders'));

    const run = await platform.cliAsync(['run', 'orders', 'cluster', '--', 'node', '-e', "console.log('reindexed ' + process.env.REGION); process.exit(4)"]);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain('reindexed eu');
    expect(run.stderr).toContain('exited with code 4');

    // The runs' pods are not instances of orders.
    const instances = (await platform.status('cluster')).instances.filter((instance) => instance.service === 'orders');
    expect(instances).toHaveLength(1);
  }, 600_000);
});
