/**
 * A function release's image: its artifact and Skiff's function runtime (compiled here from this
 * checkout into a scratch folder) on the local base image, pushed to a real registry (Debian's
 * docker-registry on 127.0.0.1) and run as a container: the handler answers through the runtime.
 * Skipped, loudly, only when the registry binary or the engine is missing (a failure in CI).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectory } from '../../../artifacts/index.js';
import { engineForTests } from '../../../drivers/docker/testing/test-image.js';
import { waitFor } from '../../../router/test-fixtures.js';
import { freePort } from '../../local/free-port.js';
import { functionRuntime } from './function-image.js';
import { releaseImage } from './release-image.js';
import { missingForRegistrySuite, removeImagesOf, startLocalRegistry, type LocalRegistry } from './testing/local-registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const engine = await engineForTests();
const missing = missingForRegistrySuite('the function image tests', engine);

const priceHandler = `export async function fetch(request, env) {
  const url = new URL(request.url);
  return Response.json({ item: url.searchParams.get('item'), price: 3, instance: env.SKIFF_INSTANCE_ID, cwd: process.cwd() });
}
`;

/** The runtime's container entry and what it imports, compiled from this checkout (not dist/, which may be older). */
async function compileRuntime(dir: string): Promise<string> {
  const config = path.join(dir, 'tsconfig.runtime.json');
  const runtimeDir = path.join(root, 'src/drivers/function/runtime');
  await writeFile(
    config,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.build.json'),
      compilerOptions: { typeRoots: [path.join(root, 'node_modules/@types')], rootDir: runtimeDir, outDir: path.join(dir, 'runtime'), declaration: false, sourceMap: false },
      files: [path.join(runtimeDir, 'container-main.ts')],
      include: [],
    }),
  );
  await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: root });
  return path.join(dir, 'runtime', 'container-main.js');
}

describe('the files of the function runtime put into an image', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'skiff-function-runtime-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('are the entry and the modules it imports, and a module from elsewhere is refused with a hint', async () => {
    await writeFile(path.join(scratch, 'entry.js'), "import { a } from './a.js';\nimport fs from 'node:fs';\nconst b = await import('./b.js');\n");
    await writeFile(path.join(scratch, 'a.js'), "export { x as a } from './b.js';\n");
    await writeFile(path.join(scratch, 'b.js'), 'export const x = 1;\n');
    await writeFile(path.join(scratch, 'unused.js'), 'export const y = 2;\n');
    const found = await functionRuntime(path.join(scratch, 'entry.js'));
    expect([...found.files.keys()].sort()).toEqual(['a.js', 'b.js', 'entry.js']);
    expect(found.hash).toMatch(/^[0-9a-f]{16}$/);

    await writeFile(path.join(scratch, 'bad.js'), "import { pino } from 'pino';\n");
    await expect(functionRuntime(path.join(scratch, 'bad.js'))).rejects.toMatchObject({ code: 'SKIFF_DOCKER_BUILD_FAILED', message: expect.stringContaining('bad.js imports pino') });
  });
});

describe.runIf(missing.length === 0)('the image of a function release', () => {
  const docker = (engine as { docker: Docker }).docker;
  let registry: LocalRegistry;
  let scratch: string;
  let runtimeEntry: string;
  const containers: Docker.Container[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'skiff-function-image-'));
    runtimeEntry = await compileRuntime(scratch);
    registry = await startLocalRegistry();
  }, 180_000);
  afterAll(async () => {
    for (const container of containers) await container.remove({ force: true }).catch(() => undefined);
    await registry?.stop();
    if (registry) await removeImagesOf(docker, [registry.host]);
    await rm(scratch, { recursive: true, force: true });
  });

  it('runs the handler in the function runtime, given by the arguments the Deployment writes (a missing handler ends it with the reason); the same artifact is pushed once', async () => {
    const tree = path.join(scratch, 'tree');
    await mkdir(path.join(tree, 'src'), { recursive: true });
    await writeFile(path.join(tree, 'src', 'price.mjs'), `${priceHandler}// ${Math.random()}\n`);
    const archivePath = path.join(scratch, 'artifact.tar');
    const { digest } = await packDirectory(tree, archivePath);
    const artifact = { kind: 'function', digest, archivePath, runtimeEntry } as const;
    const image = await releaseImage({ service: 'price', artifact, registry: `${registry.host}/skiff`, engine: {} });
    expect(image.pushed).toBe(true);
    expect(image.reference).toMatch(new RegExp(`^${registry.host}/skiff/price@sha256:[0-9a-f]{64}$`));
    expect(await releaseImage({ service: 'price', artifact, registry: `${registry.host}/skiff`, engine: {} })).toEqual({ ...image, pushed: false });

    const port = await freePort(new Set());
    const container = await docker.createContainer({
      Image: image.reference,
      Cmd: ['src/price.mjs', '--timeout-ms', '5000', '--concurrency', '2'],
      Env: ['PORT=8080', 'SKIFF_INSTANCE_ID=price-v1-abc'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    containers.push(container);
    await container.start();
    let answer: unknown = null;
    await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/price?item=tea`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
        answer = response?.ok ? await response.json() : null;
        return answer !== null;
      },
      30_000,
      'the function to answer in its container',
    );
    expect(answer).toEqual({ item: 'tea', price: 3, instance: 'price-v1-abc', cwd: '/app' });
    // The readiness check the Deployment gives a function.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    // A handler that is not there: the container ends with the reason in its output (the pod's log).
    const broken = await docker.createContainer({ Image: image.reference, Cmd: ['src/nope.mjs', '--timeout-ms', '5000', '--concurrency', '2'], Env: ['PORT=8080'] });
    containers.push(broken);
    await broken.start();
    const exit = (await broken.wait()) as { StatusCode: number };
    expect(exit.StatusCode).toBe(1);
    const output = (await broken.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(output).toContain('cannot start: the handler /app/src/nope.mjs does not exist');
  }, 180_000);
});
