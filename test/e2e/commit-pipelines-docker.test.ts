/**
 * A docker service in a pipeline started by commits, on the real Docker engine: the image is
 * built from the Dockerfile in the commit's clean tree, and the commit's SHA is recorded on the
 * image artifact, as it is on an archive. Skipped with a loud warning only when no engine answers
 * outside CI. Removes the images it built (repository skiff-commitbox).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { createTestRepository } from '../../src/sources/testing/git-repository.js';
import type { TestRepository } from '../../src/sources/testing/git-repository.js';
import { commitRunDone, waitForWatching } from './commit-runs.js';
import { startPlatform } from './platform.js';
import type { Platform } from './platform.js';

const engine = await probeEngine(connectEngine({}), 3000);
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n*** SKIPPING the commit pipeline docker test: no Docker engine is reachable (${engine.reason}) ***\n`);
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();
}

const dockerfile = 'FROM skiff-node-base:20\nCOPY server.mjs /app/server.mjs\nCOPY message.txt /app/message.txt\nCMD ["node", "/app/server.mjs"]\n';
const server = `import fs from 'node:fs';
import http from 'node:http';
const message = fs.readFileSync('/app/message.txt', 'utf8').trim();
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : message)).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

function spec(bare: string): string {
  return `name: boxes
services:
  commitbox:
    path: box
    driver: docker
    image: { dockerfile: ./Dockerfile }
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
    routes: [{ path: /box, stripPrefix: true }]
environments:
  dev: {}
pipelines:
  ci:
    trigger:
      git: { repo: ${bare}, branch: main, paths: ['box/**'], interval: 1s }
    stages:
      - build
      - deploy: dev
`;
}

let platform: Platform | undefined;
let repository: TestRepository | undefined;

afterAll(async () => {
  await platform?.stop();
  repository?.remove();
  if (engine.reachable) {
    const images = docker('images', '-q', '--no-trunc', 'skiff-commitbox').split('\n').filter(Boolean);
    if (images.length > 0) docker('rmi', '-f', ...new Set(images));
  }
}, 120_000);

describe.skipIf(!engine.reachable)('commit-started pipelines: docker', () => {
  it('builds the image from the commit tree and records the commit on the image artifact and the release', async () => {
    repository = createTestRepository();
    repository.commit({ 'box/Dockerfile': dockerfile, 'box/server.mjs': server, 'box/message.txt': 'first' }, 'a box');
    platform = await startPlatform({ spec: spec(repository.bare), files: { 'box/Dockerfile': dockerfile, 'box/server.mjs': server, 'box/message.txt': 'working copy' } });
    const up = platform;
    const getJson = async <T>(apiPath: string): Promise<T> => (await (await up.fetch(apiPath)).json()) as T;
    await waitForWatching(up);

    const sha = repository.commit({ 'box/message.txt': 'from the commit' }, 'box: new message');
    const run = await commitRunDone(up, sha, { succeed: true, timeoutMs: 180_000 });
    expect(run.artifact).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(docker('image', 'inspect', '--format', '{{.Id}}', run.artifact!)).toBe(run.artifact);

    const artifacts = await getJson<{ digest: string; sourceCommit: string | null }[]>('/api/v1/services/commitbox/artifacts');
    expect(artifacts.find((artifact) => artifact.digest === run.artifact)?.sourceCommit).toBe(sha);
    const releases = await getJson<{ artifact: string | null; commit: string | null }[]>('/api/v1/environments/dev/services/commitbox/releases');
    expect(releases[0]).toMatchObject({ artifact: run.artifact, commit: sha });
    expect(await (await fetch(`${up.routerUrl}/box/`)).text()).toBe('from the commit');
  }, 300_000);
});
