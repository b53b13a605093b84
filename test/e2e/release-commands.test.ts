/**
 * Release commands end to end with the real `skiff up`: each new release migrates a JSON store (a
 * file in a directory the service reads) before any of its instances gets traffic; a failing or
 * hanging one stops the deployment while the running release keeps serving every request, and
 * the failure is the deployment's reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startPlatform, tempDir, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
let storeDir: string | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
});

// Ready only once the store has the schema its release expects: a release never serves an unmigrated store.
const server = `import http from 'node:http';
import fs from 'node:fs';
const read = () => JSON.parse(fs.readFileSync(process.env.STORE + '/store.json', 'utf8'));
http.createServer((req, res) => {
  const store = read();
  const migrated = store.schema === Number(process.env.SCHEMA);
  if (req.url === '/health') { res.writeHead(migrated ? 200 : 503); return res.end(); }
  res.writeHead(migrated ? 200 : 500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ version: process.env.VERSION, schema: store.schema, orders: store.orders }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// Moves the store to the release's schema (each step renames what the next one reads); fails or hangs when told to.
const migrate = `import fs from 'node:fs';
const file = process.env.STORE + '/store.json';
if (process.env.MIGRATE === 'fail') { console.log('checking the store'); console.error('boom: the store is locked'); process.exit(2); }
if (process.env.MIGRATE === 'hang') { console.log('waiting for a lock that never comes'); setInterval(() => {}, 1000); }
else {
  const store = JSON.parse(fs.readFileSync(file, 'utf8'));
  const target = Number(process.env.SCHEMA);
  while (store.schema < target) {
    store.schema += 1;
    if (store.schema === 2) store.orders = store.orders.map((order) => ({ id: order.id, total: { amount: order.total, currency: 'EUR' } }));
  }
  fs.writeFileSync(file + '.tmp', JSON.stringify(store));
  fs.renameSync(file + '.tmp', file);
  console.log('migrated to schema ' + store.schema);
}
`;

function spec(store: string, env: Record<string, string>, staging?: { readonly store: string; readonly routerPort: number }): string {
  const vars = Object.entries({ STORE: store, ...env }).map(([name, value]) => `      ${name}: "${value}"`).join('\n');
  return `name: shop
services:
  orders:
    path: orders
    start: [node, server.mjs]
    release: { command: [node, migrate.mjs], timeout: 8s }
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /orders }]
    env:
${vars}
environments:
  dev: {}
${staging ? `  staging:\n    routerPort: ${staging.routerPort}\n    services:\n      orders:\n        env: { STORE: "${staging.store}" }\n` : ''}`;
}

interface EventJson {
  id: number;
  type: string;
  message: string;
  data: Record<string, unknown>;
}

async function events(p: Platform): Promise<EventJson[]> {
  const response = await p.fetch('/api/v1/events?service=orders&limit=500');
  return ((await response.json()) as EventJson[]).sort((a, b) => a.id - b.id);
}

async function answer(p: Platform): Promise<{ status: number; body: { version?: string; schema?: number } }> {
  const response = await fetch(`${p.routerUrl}/orders/`);
  const text = await response.text();
  return { status: response.status, body: response.ok ? (JSON.parse(text) as { version: string; schema: number }) : {} };
}

function apply(p: Platform, text: string): void {
  fs.writeFileSync(path.join(p.specDir, 'skiff.yaml'), text);
  const applied = p.cli(['apply']);
  expect(applied.code, applied.stderr).toBe(0);
}

async function start(): Promise<{ p: Platform; store: string }> {
  const store = tempDir('skiff-store-');
  storeDir = store;
  fs.writeFileSync(path.join(store, 'store.json'), JSON.stringify({ schema: 0, orders: [{ id: 1, total: 12 }] }));
  const p = await startPlatform({ spec: spec(store, { SCHEMA: '1', VERSION: 'one' }), files: { 'orders/server.mjs': server, 'orders/migrate.mjs': migrate } });
  platform = p;
  return { p, store };
}

describe('release commands', () => {
  it('migrate the store once per new release, before any instance of it starts', async () => {
    const { p, store } = await start();
    // The first release too: its instance starts only after its command migrated the store.
    await waitForReady(p, { orders: 1 });
    expect((await answer(p)).body).toMatchObject({ version: 'one', schema: 1 });

    apply(p, spec(store, { SCHEMA: '2', VERSION: 'two' }));
    await waitFor('v2 to serve', async () => (await answer(p)).body.version === 'two');
    expect(JSON.parse(fs.readFileSync(path.join(store, 'store.json'), 'utf8'))).toEqual({ schema: 2, orders: [{ id: 1, total: { amount: 12, currency: 'EUR' } }] });

    const runs = JSON.parse(p.cli(['runs', 'orders', 'dev', '--json']).stdout) as { kind: string; release: string; state: string; command: string[] }[];
    expect(runs.map((run) => [run.kind, run.release, run.state])).toEqual([
      ['release', 'v2', 'succeeded'],
      ['release', 'v1', 'succeeded'],
    ]);
    // In the timeline, each release's command succeeded before its first instance started.
    const timeline = await events(p);
    for (const release of ['v1', 'v2']) {
      const migrated = timeline.findIndex((event) => event.type === 'run.succeeded' && event.data['release'] === release);
      const started = timeline.findIndex((event) => event.type === 'instance.started' && event.data['release'] === release);
      expect(migrated, release).toBeGreaterThanOrEqual(0);
      expect(started, release).toBeGreaterThan(migrated);
    }
  }, 120_000);

  it('promotion runs the release command again in the target environment, with its config', async () => {
    const { p, store } = await start();
    await waitForReady(p, { orders: 1 });
    const stagingStore = tempDir('skiff-store-staging-');
    try {
      fs.writeFileSync(path.join(stagingStore, 'store.json'), JSON.stringify({ schema: 0, orders: [] }));
      apply(p, spec(store, { SCHEMA: '1', VERSION: 'one' }, { store: stagingStore, routerPort: await freePort() }));
      expect(p.cli(['build', 'orders']).code).toBe(0);
      const deployed = p.cli(['deploy', 'orders', 'latest', 'dev']);
      expect(deployed.code, deployed.stderr).toBe(0);
      const promoted = p.cli(['promote', 'orders', 'dev', 'staging']);
      expect(promoted.code, promoted.stderr).toBe(0);
      await waitFor('the staging store to be migrated', () => JSON.parse(fs.readFileSync(path.join(stagingStore, 'store.json'), 'utf8')).schema === 1, 60_000);
      const stagingRuns = JSON.parse(p.cli(['runs', 'orders', 'staging', '--json']).stdout) as { kind: string; release: string; state: string }[];
      expect(stagingRuns.map((run) => [run.kind, run.release])).toEqual([['release', 'v1']]);
      await waitFor('the staging run to succeed', () => (JSON.parse(p.cli(['runs', 'orders', 'staging', '--json']).stdout) as { state: string }[])[0]?.state === 'succeeded');
    } finally {
      fs.rmSync(stagingStore, { recursive: true, force: true });
    }
  }, 180_000);

  it('a failing or hanging release command stops the deployment; the running release serves every request meanwhile', async () => {
    const { p, store } = await start();
    await waitForReady(p, { orders: 1 });

    for (const [mode, version, expected] of [
      ['fail', 'three', /release command `node migrate\.mjs` \(run \d+\) exited with code 2; last output: checking the store \| boom: the store is locked/],
      ['hang', 'four', /release command `node migrate\.mjs` \(run \d+\) timed out after 8s: killed with its process group; last output: waiting for a lock that never comes/],
    ] as const) {
      apply(p, spec(store, { SCHEMA: '2', VERSION: version, MIGRATE: mode }));
      // Bounded load while the deployment runs and stops: every answer comes from the running release.
      const answers: { status: number; version?: string }[] = [];
      const deadline = Date.now() + 60_000;
      let finished: string | undefined;
      while (Date.now() < deadline && answers.length < 5000 && finished === undefined) {
        const { status, body } = await answer(p);
        answers.push({ status, ...(body.version ? { version: body.version } : {}) });
        const rollout = p.cli(['rollout', 'status', 'orders', 'dev']);
        if (/aborted|rolled back/.test(rollout.stdout)) finished = rollout.stdout;
      }
      expect(finished, `the deployment of ${version} did not stop`).toBeDefined();
      expect(finished).toMatch(expected);
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.status !== 200 || a.version !== 'one')).toEqual([]);
      // The store was not touched, the old release still runs alone, the failure is in the events.
      expect(JSON.parse(fs.readFileSync(path.join(store, 'store.json'), 'utf8')).schema).toBe(1);
      const status = await p.status();
      expect(status.instances.map((instance) => [instance.release, instance.state])).toEqual([['v1', 'ready']]);
      expect((await events(p)).some((event) => event.type === 'rollout.aborted' && expected.test(String(event.data['cause'])))).toBe(true);
    }
    // The hanging command was killed, not left behind.
    const runs = JSON.parse(p.cli(['runs', 'orders', 'dev', '--json']).stdout) as { state: string; pid: number }[];
    expect(runs[0]!.state).toBe('failed');
    expect(() => process.kill(runs[0]!.pid, 0)).toThrow();
  }, 180_000);
});
