/**
 * Volumes on Kubernetes with the real `skiff up`: a service with `volumes:` on a kubernetes
 * environment gets its PersistentVolumeClaim, notes written through Skiff's router by one release's
 * pod are read back by the next release's pod, the claim (and its data) stays when the volume
 * leaves the spec, and `skiff volume delete` deletes it (refused while the service still mounts it).
 *
 * Where it runs (kubernetes-cluster.ts): the fake API server in docker mode, where a claim is a
 * Docker volume shared by the pods that mount it, and a real registry; or a real cluster with
 * SKIFF_TEST_KUBECONFIG. Skipped, loudly, when the engine or registry is missing outside CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeResources } from '../../src/providers/kubernetes/client/index.js';
import { clusterEnvironments, startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type Platform } from './platform.js';

const missing = await testClusterMissing();

/** Keeps notes in SKIFF_VOLUME_DATA: POST adds the body, GET lists them with the VERSION of the release that answers. */
const server = `import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
const file = path.join(process.env.SKIFF_VOLUME_DATA ?? '/tmp', 'notes.json');
const read = () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : []);
http.createServer((req, res) => {
  if (req.url === '/health') { res.end('ok'); return; }
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      fs.writeFileSync(file + '.tmp', JSON.stringify([...read(), body]));
      fs.renameSync(file + '.tmp', file);
      res.writeHead(201).end();
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ notes: read(), version: process.env.VERSION }));
}).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

function spec(cluster: TestCluster, version: string, withVolume: boolean): string {
  return `name: kube-volumes
services:
  notes:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: { VERSION: "${version}" }
    readiness: { http: /health, interval: 500ms }
    stopGrace: 1s
    routes: [{ path: /notes, stripPrefix: true }]
${withVolume ? '    volumes:\n      data: { path: /var/lib/notes }\n' : ''}${clusterEnvironments(cluster, 'notes', 1)}`;
}

interface Notes {
  readonly notes: string[];
  readonly version: string;
}

describe.runIf(missing.length === 0)('volumes on Kubernetes', () => {
  let cluster: TestCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-volumes');
    platform = await startPlatform({ spec: spec(cluster, '1', true), files: { 'svc/server.mjs': server } });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 180_000);

  it("keep a service's data across releases in its PersistentVolumeClaim, kept when the volume leaves the spec, deleted by skiff volume delete", async () => {
    const apply = (version: string, withVolume: boolean): void => {
      cluster.writeSpec(platform.specDir, spec(cluster, version, withVolume));
      const applied = platform.cli(['apply', 'skiff.yaml']);
      expect(applied.code, applied.stderr).toBe(0);
    };
    expect(platform.cli(['build', 'notes']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'notes', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const routerUrl = await cluster.routerUrl();
    const notes = async (version: string): Promise<Notes | null> => {
      const answer = await fetch(`${routerUrl}/notes/`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      const body = answer?.ok ? ((await answer.json()) as Notes) : null;
      return body?.version === version ? body : null;
    };

    expect(await waitFor('the first release to answer through the router', () => notes('1'), 240_000)).toEqual({ notes: [], version: '1' });
    const written = await fetch(`${routerUrl}/notes/`, { method: 'POST', body: 'first' });
    expect(written.status).toBe(201);
    const claim = await cluster.client.get(kubeResources.PersistentVolumeClaim, 'notes-volume-data');
    expect(claim?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'skiff', 'skiff.dev/volume': 'data' });
    const listed = await platform.cliAsync(['volume', 'list', '--env', 'cluster', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ service: 'notes', name: 'data', location: `PersistentVolumeClaim notes-volume-data in namespace ${cluster.namespace}`, exists: true }),
    ]);

    // A new release: its pod reads what the first release's pod wrote.
    apply('2', true);
    expect(await waitFor('the second release to answer through the router', () => notes('2'), 240_000)).toEqual({ notes: ['first'], version: '2' });

    const refused = await platform.cliAsync(['volume', 'delete', 'notes', 'data', '--env', 'cluster']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('SKIFF_VOLUME_IN_USE');
    expect(await cluster.client.get(kubeResources.PersistentVolumeClaim, 'notes-volume-data')).toBeDefined();

    // The volume leaves the spec: the release without it runs, and the claim keeps the data.
    apply('3', false);
    await waitFor('the release without the volume to answer', () => notes('3'), 240_000);
    await waitFor('only v3 to run', async () => (await platform.status('cluster')).instances.every((instance) => instance.release === 'v3'), 120_000);
    expect(await cluster.client.get(kubeResources.PersistentVolumeClaim, 'notes-volume-data')).toBeDefined();

    const deleted = await platform.cliAsync(['volume', 'delete', 'notes', 'data', '--env', 'cluster']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`deleted volume data of notes in cluster with its data (PersistentVolumeClaim notes-volume-data in namespace ${cluster.namespace})`);
    await waitFor('the claim to go', async () => (await cluster.client.get(kubeResources.PersistentVolumeClaim, 'notes-volume-data')) === undefined, 60_000);
    const again = await platform.cliAsync(['volume', 'delete', 'notes', 'data', '--env', 'cluster']);
    expect(again.stderr).toContain('SKIFF_NOT_FOUND');
  }, 900_000);
});
