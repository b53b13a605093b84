/** Runs the real kubectl 1.32 against a fake, with its own HOME so its discovery cache stays out of the user's. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FakeKubeApi } from '../start-fake-kube-api.js';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function kubectlRunner(api: FakeKubeApi): {
  run(args: readonly string[], input?: string): Promise<KubectlResult>;
  spawn(args: readonly string[]): ChildProcess;
} {
  const home = mkdtempSync(path.join(tmpdir(), 'skiff-kubectl-home-'));
  const env = { ...process.env, HOME: home, KUBECONFIG: api.kubeconfigPath };
  const argv = (args: readonly string[]): string[] => ['--kubeconfig', api.kubeconfigPath, ...args];
  return {
    run(args, input) {
      return new Promise((resolve) => {
        const child = execFile(KUBECTL, argv(args), { env, timeout: 60_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        });
        child.stdin?.end(input ?? '');
      });
    },
    spawn(args) {
      return spawn(KUBECTL, argv(args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}
