/**
 * The router image: built from this checkout's dist/ and production node_modules on the local
 * base image, pushed to a real registry (Debian's docker-registry on 127.0.0.1), pulled back by
 * digest and run: the router in it answers. Skipped, loudly, only when the registry binary or the
 * engine is missing (a failure in CI).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineForTests } from '../../../drivers/docker/testing/test-image.js';
import { waitFor } from '../../../router/test-fixtures.js';
import { ensureRouterBuilt } from '../../../router/testing/processes.js';
import { freePort } from '../../local/free-port.js';
import { productionPackages, routerImage } from './router-image.js';
import { missingForRegistrySuite, startLocalRegistry, type LocalRegistry } from './testing/local-registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const engine = await engineForTests();
const missing = missingForRegistrySuite('the router image tests', engine);

describe('the production packages of the lock file', () => {
  it('are the top-level packages not marked dev', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/undici': {},
        'node_modules/vitest': { dev: true },
        'node_modules/fsevents': { devOptional: true },
        'node_modules/pino/node_modules/sonic-boom': {},
        'node_modules/@scope/pkg': { optional: true },
      },
    };
    expect(productionPackages(lock)).toEqual(['node_modules/@scope/pkg', 'node_modules/undici']);
  });
});

describe.runIf(missing.length === 0)('the router image', () => {
  const docker = (engine as { docker: Docker }).docker;
  let registry: LocalRegistry;
  let scratch: string;
  const containers: Docker.Container[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'skiff-router-image-'));
    await ensureRouterBuilt(scratch);
    registry = await startLocalRegistry();
  }, 180_000);
  afterAll(async () => {
    for (const container of containers) await container.remove({ force: true }).catch(() => undefined);
    await registry?.stop();
    for (const image of await docker.listImages()) {
      if ([...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].some((name) => name.startsWith(`${registry?.host}/`))) {
        await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
      }
    }
    await rm(scratch, { recursive: true, force: true });
  });

  it('is pushed by digest once, and the router it holds runs from it', async () => {
    const image = await routerImage({ skiffRoot: root, registry: `${registry.host}/skiff`, engine: {} });
    expect(image.reference).toMatch(new RegExp(`^${registry.host}/skiff/skiff-router@sha256:[0-9a-f]{64}$`));
    expect(image.pushed).toBe(true);
    expect(await routerImage({ skiffRoot: root, registry: `${registry.host}/skiff`, engine: {} })).toEqual({ ...image, pushed: false });

    // Run what the registry holds: the local tags removed, pulled by digest.
    for (const local of await docker.listImages()) {
      if ((local.RepoTags ?? []).some((tag) => tag.startsWith(`${registry.host}/`))) await docker.getImage(local.Id).remove({ force: true });
    }
    const pull = await docker.pull(image.reference);
    await new Promise((resolve, reject) => docker.modem.followProgress(pull, (error) => (error ? reject(error) : resolve(undefined))));
    const port = await freePort(new Set());
    const container = await docker.createContainer({
      Image: image.reference,
      // The router never listens on every interface: on the host's network it takes loopback.
      Cmd: ['node', '/app/dist/main/router-process.js', '--listen-host', '127.0.0.1', '--port', String(port), '--workers', '1', '--admin-socket', '/tmp/router.sock'],
      HostConfig: { NetworkMode: 'host' },
      Labels: { 'skiff.test': 'router-image' },
    });
    containers.push(container);
    await container.start();
    let answer: { status: number; body: string } | undefined;
    await waitFor(async () => {
      answer = await fetch(`http://127.0.0.1:${port}/anything`, { signal: AbortSignal.timeout(1000) }).then(
        async (response) => ({ status: response.status, body: await response.text() }),
        () => undefined,
      );
      return answer !== undefined;
    }, 30_000, 'the router in the image to answer');
    // No table yet: the router's own answer for a request no route matches.
    expect(answer?.status).toBe(404);
    expect(answer?.body).toContain('SKIFF_');
  }, 300_000);
});
