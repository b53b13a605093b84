/** Kubeconfig files for tests: the fake API server's, rewritten into the variants users have. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { FakeKubeApi } from '../../../../../test/kube-api/start-fake-kube-api.js';
import { KubeClient } from '../kube-client.js';
import { loadKubeconfig } from '../kubeconfig.js';

export interface ScratchDir {
  readonly dir: string;
  /** Writes `content` (an object is written as YAML) to `name` in the directory; returns its path. */
  write(name: string, content: string | object): string;
  remove(): void;
}

export function scratchDir(): ScratchDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'skiff-kubeconfig-'));
  return {
    dir,
    write(name, content) {
      const file = path.join(dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, typeof content === 'string' ? content : stringify(content));
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The fake's kubeconfig as an object, to change before writing it out again. */
export function fakeKubeconfig(api: FakeKubeApi): any {
  return parse(readFileSync(api.kubeconfigPath, 'utf8'));
}

/** A client of the fake, from its own kubeconfig (no environment consulted). */
export function clientOfFake(api: FakeKubeApi, options: { namespace?: string; requestTimeoutMs?: number } = {}): KubeClient {
  return new KubeClient(loadKubeconfig({ kubeconfig: api.kubeconfigPath }, { homeDir: '/nonexistent' }), options);
}

/** A client of the fake at another address (a proxy, a closed port); `dispose()` closes it and removes its kubeconfig. */
export function clientOfFakeAt(api: FakeKubeApi, server: string, options: { requestTimeoutMs?: number } = {}): { client: KubeClient; dispose(): void } {
  const config = fakeKubeconfig(api);
  config.clusters[0].cluster.server = server;
  const scratch = scratchDir();
  const client = new KubeClient(loadKubeconfig({ kubeconfig: scratch.write('kubeconfig.yaml', config) }, { homeDir: '/nonexistent' }), options);
  return {
    client,
    dispose() {
      client.close();
      scratch.remove();
    },
  };
}
