/**
 * Releases become images in a real registry (Debian's docker-registry on 127.0.0.1) through the
 * real Docker engine. Skipped, loudly, only when the registry binary or the engine is missing
 * (a failure in CI, where .ci/run installs both).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectory } from '../../../artifacts/index.js';
import { useTempDirs } from '../../../artifacts/testing/fixtures.js';
import { SkiffError } from '../../../core/errors.js';
import { engineForTests } from '../../../drivers/docker/testing/test-image.js';
import { freePort } from '../../local/free-port.js';
import { ARTIFACT_LABEL } from './artifact-image.js';
import { pushImage } from './image-push.js';
import { checkRegistryCredentials, MANIFEST_ACCEPT, registryImage } from './registry-api.js';
import { releaseImage } from './release-image.js';
import type { ReleaseArtifact } from './release-image.js';
import { registryInstalled, REGISTRY_BINARY, removeImagesOf, startLocalRegistry } from './testing/local-registry.js';
import type { LocalRegistry, LocalRegistryOptions } from './testing/local-registry.js';

const engine = await engineForTests();
const missing = [
  ...(registryInstalled() ? [] : [`${REGISTRY_BINARY} (apt-get install docker-registry)`]),
  ...(engine.reachable ? [] : [`a Docker engine (${engine.reason})`]),
];
if (missing.length > 0) {
  if (process.env.CI) throw new Error(`the release image tests need ${missing.join(' and ')} in CI`);
  console.warn(`\n!!! SKIPPING the release image tests: missing ${missing.join(' and ')}.\n`);
}

const serverScript = `import http from 'node:http';
http.createServer((req, res) => res.end('catalog ' + req.url + ' from ' + process.cwd())).listen(Number(process.env.PORT), '0.0.0.0');
`;

async function caught(promise: Promise<unknown>): Promise<SkiffError> {
  const error = await promise.then(() => undefined, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(SkiffError);
  return error as SkiffError;
}

describe.runIf(missing.length === 0)('release images in a registry', () => {
  const docker = (engine as { docker: Docker }).docker;
  const tempDir = useTempDirs();
  let registry: LocalRegistry;
  /** The registries this file started: the images the engine holds under their names are removed afterwards. */
  const hosts: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    registry = await startLocalRegistry();
    hosts.push(registry.host);
  }, 30_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await registry?.stop();
    await removeImagesOf(docker, hosts);
  });

  /** A process service's artifact holding a small HTTP server, unique per call so nothing is cached across runs. */
  async function processArtifact(): Promise<Extract<ReleaseArtifact, { kind: 'archive' }>> {
    const dir = await tempDir('release-image');
    await mkdir(path.join(dir, 'tree'));
    await writeFile(path.join(dir, 'tree', 'server.mjs'), `${serverScript}// ${Math.random()}\n`);
    const archivePath = path.join(dir, 'artifact.tar');
    const { digest } = await packDirectory(path.join(dir, 'tree'), archivePath);
    return { kind: 'archive', digest, archivePath, start: ['node', 'server.mjs'] };
  }

  /** Starts a registry of its own with `options` and releases a fresh artifact to it; the error it gave. */
  async function releaseToRegistry(options: LocalRegistryOptions): Promise<{ host: string; error: SkiffError }> {
    const other = await startLocalRegistry(options);
    hosts.push(other.host);
    cleanups.push(() => other.stop());
    const error = await caught(releaseImage({ service: 'catalog', artifact: await processArtifact(), registry: `${other.host}/skiff`, engine: {} }));
    return { host: other.host, error };
  }

  it('pushes a process artifact as an image by digest, which runs and answers like the service', async () => {
    const artifact = await processArtifact();
    const repository = `${registry.host}/skiff/catalog`;
    const image = await releaseImage({ service: 'catalog', artifact, registry: `${registry.host}/skiff`, engine: {} });
    expect(image.pushed).toBe(true);
    expect(image.reference).toBe(`${repository}@${image.digest}`);
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The registry's manifest is the one the reference names.
    const manifest = await fetch(`http://${registry.host}/v2/skiff/catalog/manifests/${image.digest}`, { headers: { accept: MANIFEST_ACCEPT } });
    expect(manifest.status).toBe(200);
    const body = Buffer.from(await manifest.arrayBuffer());
    expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(image.digest);
    expect(manifest.headers.get('docker-content-digest')).toBe(image.digest);

    // Run what the registry holds: drop the local image, pull it by digest, run it.
    await docker.getImage(`${repository}:${artifact.digest.slice(7, 19)}`).remove();
    const pull = await docker.pull(image.reference);
    await new Promise((resolve, reject) => docker.modem.followProgress(pull, (error) => (error ? reject(error) : resolve(undefined))));
    const port = await freePort(new Set());
    const container = await docker.createContainer({
      Image: image.reference,
      Env: ['PORT=8080'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    cleanups.push(() => container.remove({ force: true }));
    await container.start();
    let answer = '';
    const deadline = Date.now() + 20_000;
    for (let attempt = 0; answer === '' && attempt < 400 && Date.now() < deadline; attempt++) {
      answer = await fetch(`http://127.0.0.1:${port}/items`, { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.text(),
        () => new Promise<string>((resolve) => setTimeout(() => resolve(''), 50)),
      );
    }
    expect(answer).toBe('catalog /items from /app');
    await container.remove({ force: true });
  }, 120_000);

  it('gives the same reference for the same artifact without building or pushing again', async () => {
    const artifact = await processArtifact();
    const first = await releaseImage({ service: 'orders', artifact, registry: `${registry.host}/skiff`, engine: {} });
    const second = await releaseImage({ service: 'orders', artifact, registry: `${registry.host}/skiff`, engine: {} });
    expect(second).toEqual({ ...first, pushed: false });
    // Known to the registry, so no engine is needed.
    const third = await releaseImage({ service: 'orders', artifact, registry: `${registry.host}/skiff`, engine: { dockerHost: 'unix:///nonexistent/docker.sock' } });
    expect(third.reference).toBe(first.reference);
  }, 120_000);

  it('does not reuse a tag that another image was pushed under', async () => {
    const artifact = await processArtifact();
    const other = await releaseImage({ service: 'other', artifact: await processArtifact(), registry: `${registry.host}/skiff`, engine: {} });
    const repository = `${registry.host}/skiff/moved`;
    const tag = artifact.digest.slice(7, 19);
    await docker.getImage(other.reference).tag({ repo: repository, tag });
    await pushImage(docker, repository, tag);

    const image = await releaseImage({ service: 'moved', artifact, registry: `${registry.host}/skiff`, engine: {} });
    expect(image.pushed).toBe(true);
    expect((await registryImage(repository, image.digest))?.labels[ARTIFACT_LABEL]).toBe(artifact.digest);
  }, 120_000);

  it('pushes a docker service image as it was built', async () => {
    const artifact = await processArtifact();
    const built = await releaseImage({ service: 'built', artifact, registry: `${registry.host}/skiff`, engine: {} });
    const id = (await docker.getImage(built.reference).inspect()).Id;
    const image = await releaseImage({ service: 'web', artifact: { kind: 'image', digest: id }, registry: `${registry.host}/skiff`, engine: {} });
    expect(image.reference).toBe(`${registry.host}/skiff/web@${image.digest}`);
    expect((await docker.getImage(image.reference).inspect()).Id).toBe(id);
    const again = await releaseImage({ service: 'web', artifact: { kind: 'image', digest: id }, registry: `${registry.host}/skiff`, engine: {} });
    expect(again).toEqual({ ...image, pushed: false });
  }, 120_000);

  it('names the registry when it is unreachable, before building anything', async () => {
    const address = `127.0.0.1:${await freePort(new Set())}`;
    const error = await caught(releaseImage({ service: 'catalog', artifact: await processArtifact(), registry: `${address}/skiff`, engine: {} }));
    expect(error.code).toBe('SKIFF_REGISTRY_UNREACHABLE');
    expect(error.message).toContain(`http://${address}`);
    expect(error.hint).toContain('registry:');
  });

  it("reports the registry's refusal of a push", async () => {
    const { host: readOnly, error } = await releaseToRegistry({ readOnly: true });
    expect(error.code).toBe('SKIFF_IMAGE_PUSH_FAILED');
    expect(error.message).toContain(`${readOnly}/skiff/catalog:`);
    // The registry's own answer, as the engine relays it (a read-only registry: 405, method not allowed).
    expect(error.message).toMatch(/405.*Method not allowed/);
  }, 120_000);

  it('says so when the registry asks for credentials and the environment gives none, before building anything', async () => {
    const { host: guarded, error } = await releaseToRegistry({ requireAuth: true });
    expect(error.code).toBe('SKIFF_REGISTRY_UNAUTHORIZED');
    expect(error.message).toBe(`the image registry ${guarded} asks for credentials (HTTP 401), and the environment gives none`);
    expect(error.hint).toContain('registryCredentials');
    expect(await docker.listImages({ filters: { reference: [`${guarded}/*/*`] } })).toEqual([]);
  }, 60_000);

  it('pushes with the credentials to a registry that asks for them, and a wrong password is refused naming the registry, before building anything', async () => {
    const guarded = await startLocalRegistry({ requireAuth: true, users: { skiff: 'right-pass-1' } });
    hosts.push(guarded.host);
    cleanups.push(() => guarded.stop());
    const credentials = { username: 'skiff', password: 'right-pass-1', source: 'SKIFF_REGISTRY_TEST' };
    const wrong = await caught(releaseImage({ service: 'catalog', artifact: await processArtifact(), registry: `${guarded.host}/skiff`, credentials: { ...credentials, password: 'wrong-pass-2' }, engine: {} }));
    expect(wrong.code).toBe('SKIFF_REGISTRY_UNAUTHORIZED');
    expect(wrong.message).toBe(`the image registry ${guarded.host} refused the credentials of user "skiff" (HTTP 401)`);
    expect(wrong.hint).toContain('SKIFF_REGISTRY_TEST');
    expect(JSON.stringify({ ...wrong.toJSON(), hint: wrong.hint })).not.toContain('pass-');
    expect(await docker.listImages({ filters: { reference: [`${guarded.host}/*/*`] } })).toEqual([]);
    await expect(checkRegistryCredentials(`${guarded.host}/skiff`, { ...credentials, password: 'wrong-pass-2' })).rejects.toMatchObject({ code: 'SKIFF_REGISTRY_UNAUTHORIZED' });
    await checkRegistryCredentials(`${guarded.host}/skiff`, credentials);

    const artifact = await processArtifact();
    const image = await releaseImage({ service: 'catalog', artifact, registry: `${guarded.host}/skiff`, credentials, engine: {} });
    expect(image).toMatchObject({ pushed: true, reference: `${guarded.host}/skiff/catalog@${image.digest}` });
    // The registry holds it (read with the credentials), and the same artifact is not pushed again.
    expect((await registryImage(`${guarded.host}/skiff/catalog`, image.digest, credentials))?.labels[ARTIFACT_LABEL]).toBe(artifact.digest);
    expect(await releaseImage({ service: 'catalog', artifact, registry: `${guarded.host}/skiff`, credentials, engine: {} })).toEqual({ ...image, pushed: false });
  }, 120_000);

  it('says so when no Docker engine is reachable', async () => {
    const error = await caught(
      releaseImage({ service: 'catalog', artifact: await processArtifact(), registry: `${registry.host}/skiff`, engine: { dockerHost: 'unix:///nonexistent/docker.sock' } }),
    );
    expect(error.code).toBe('SKIFF_DOCKER_UNAVAILABLE');
    expect(error.hint).toContain('DOCKER_HOST');
  });
});
