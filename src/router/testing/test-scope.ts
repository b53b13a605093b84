/**
 * What the router's tests set up for every test: cleanups run after it (the last added first),
 * optionally a scratch folder removed after them, test backends, and an in-process router on
 * 127.0.0.1 with a client. Not part of the build.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { startRouter, type RouterHandle, type RouterOptions } from '../router.js';
import { startBackend, TestClient, type TestBackend } from '../test-fixtures.js';

export type Cleanup = () => Promise<unknown>;

/** One test backend per name, in order. */
export type Backends<Names extends readonly string[]> = { -readonly [K in keyof Names]: TestBackend };

/** Test backends named so, killed by the cleanups. */
export async function startBackends<const Names extends readonly string[]>(cleanups: Cleanup[], ...names: Names): Promise<Backends<Names>> {
  const started = await Promise.all(names.map((name) => startBackend(name)));
  for (const backend of started) cleanups.push(() => backend.kill());
  return started as Backends<Names>;
}

export interface TestScope {
  /** Run after each test, the last added first. */
  readonly cleanups: Cleanup[];
  /** The test's scratch folder; only with the `scratch` option. */
  readonly dir: string;
  /** Test backends named so (one per name, in order), killed after the test. */
  backends<const Names extends readonly string[]>(...names: Names): Promise<Backends<Names>>;
  /** A router on 127.0.0.1 (a free port) and a client of it, both closed after the test. */
  router(options?: Omit<RouterOptions, 'listenHost' | 'port'>): Promise<{ router: RouterHandle; client: TestClient }>;
}

/** Registers the hooks of the test file; call it once at its top level. `scratch`: the folder's name prefix. */
export function testScope(options: { readonly scratch?: string } = {}): TestScope {
  const cleanups: Cleanup[] = [];
  let dir: string | undefined;
  const { scratch } = options;
  if (scratch !== undefined) {
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), scratch));
    });
  }
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    cleanups,
    get dir(): string {
      if (dir === undefined) throw new Error('testScope: no scratch folder (pass { scratch: prefix }, and use it inside a test)');
      return dir;
    },
    backends: (...names) => startBackends(cleanups, ...names),
    async router(routerOptions = {}) {
      const router = await startRouter({ ...routerOptions, listenHost: '127.0.0.1', port: 0 });
      const client = new TestClient(`http://127.0.0.1:${router.port}`);
      cleanups.push(() => router.close(), () => client.close());
      return { router, client };
    },
  };
}
