/**
 * Scenarios 4 and 5: a service that crashes every few hundred requests under load, and files
 * that are corrupted or missing (router table, SQLite database, an artifact): refused with a
 * clear error and a way out, never a crash loop of the control plane.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runLoad, waitFor, waitForReady, waitForRouted } from '../e2e/platform.js';
import type { Platform } from '../e2e/platform.js';
import type { ChaosLine } from './form.js';
import { loadPath } from './kill-under-load.js';
import { killPid, routerDir, routerPrimaryPid } from './processes.js';

/** The echo fixture wrapped so that each instance exits (code 1) after `every` answered requests. */
export const crashingServer = (echoServer: string, every: number): string => `
import http from 'node:http';
let served = 0;
const original = http.createServer;
http.createServer = (handler) => original((req, res) => {
  if (req.url !== '/health' && ++served >= ${every}) res.once('finish', () => process.exit(1));
  handler(req, res);
});
await import(${JSON.stringify(echoServer)});
`;

export async function crashingService(platform: Platform, durationMs: number, every: number): Promise<ChaosLine> {
  await waitForRouted(platform, loadPath, await waitForReady(platform, { echo: 2 }));
  const load = await runLoad(`${platform.routerUrl}${loadPath}`, { durationMs, connections: 4, maxRequests: 400_000 });
  const crashes = ((await (await platform.fetch('/api/v1/events?type=instance.crashed&limit=1000')).json()) as unknown[]).length;
  return { scenario: `a service that exits every ${every} requests, ${durationMs / 1000} s of load (2 instances)`, load, damage: [], note: `${crashes} crashes` };
}

export interface Refusal {
  readonly what: string;
  readonly damage: string[];
  readonly note: string;
}

/** The router table file is garbage and the router restarts: it must route again once the control plane republishes. */
export async function corruptedRouterTable(platform: Platform): Promise<Refusal> {
  await waitForRouted(platform, loadPath, await waitForReady(platform, { echo: 2 }));
  fs.writeFileSync(path.join(routerDir(platform), 'router-table.json'), '{"version": 3, "routes": [{"id": ');
  const primary = routerPrimaryPid(platform);
  if (primary !== null) killPid(primary);
  const routed = await waitFor('the router to route again', async () => (await fetch(`${platform.routerUrl}${loadPath}`)).ok, 30_000).then(
    () => true,
    () => false,
  );
  return {
    what: 'corrupted router table file, router restarted',
    damage: routed ? [] : ['the router does not route 30 s after the restart'],
    note: routed ? 'the router starts with no routes and logs it; the control plane republishes' : '',
  };
}

/** A start on a corrupted or missing database must refuse (exit, a coded error, a hint) or start clean, once. */
export async function brokenDatabase(platform: Platform, how: 'corrupted' | 'missing'): Promise<Refusal> {
  await platform.cli(['stop']);
  await waitFor('skiff up to exit', () => platform.process.exitCode !== null || platform.process.signalCode !== null, 30_000);
  const database = path.join(platform.dataDir, 'skiff.db');
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${database}${suffix}`, { force: true });
  if (how === 'missing') fs.rmSync(database);
  else fs.writeFileSync(database, Buffer.concat([Buffer.from('this is not a database'), fs.readFileSync(database).subarray(22)]));
  if (how === 'missing') {
    await platform.restart();
    const ready = await waitForReady(platform, { echo: 2 }).then(() => true, () => false);
    return { what: 'missing SQLite file', damage: ready ? [] : ['no fresh start'], note: 'starts with a fresh database from the spec' };
  }
  const refused = await platform.restartRefused();
  const firstLine = refused.output.trim().split('\n').find((line) => line.includes('error')) ?? refused.output.trim().split('\n')[0] ?? '';
  const damage: string[] = [];
  if (refused.code === 0) damage.push('exited 0');
  if (!/SKIFF_[A-Z_]+/.test(refused.output)) damage.push(`no coded error: ${firstLine}`);
  if (!/hint:/.test(refused.output)) damage.push('no hint (way out)');
  if (/\n\s+at /.test(refused.output)) damage.push('a stack trace instead of a message');
  // The way out: move the file aside and start again from the spec.
  fs.renameSync(database, `${database}.corrupt`);
  await platform.restart();
  if (!(await waitForReady(platform, { echo: 2 }).then(() => true, () => false))) damage.push('no clean start once the file is moved aside');
  return { what: 'corrupted SQLite file', damage, note: firstLine.slice(0, 160) };
}

/** A truncated artifact must be refused at deploy with its coded error and a hint; the running release keeps serving. */
export async function truncatedArtifact(platform: Platform): Promise<Refusal> {
  const built = platform.cli(['build', 'echo']);
  if (built.code !== 0) return { what: 'truncated artifact', damage: [`build failed: ${built.stderr}`], note: '' };
  const directory = path.join(platform.dataDir, 'artifacts', 'sha256');
  const archive = fs.readdirSync(directory).find((name) => name.endsWith('.tar'));
  if (!archive) return { what: 'truncated artifact', damage: ['no archive found'], note: '' };
  fs.truncateSync(path.join(directory, archive), 100);
  const deployed = platform.cli(['deploy', 'echo', 'latest', 'dev']);
  const damage: string[] = [];
  if (deployed.code === 0) damage.push('the deploy was accepted');
  if (!deployed.stderr.includes('SKIFF_ARTIFACT_DIGEST_MISMATCH')) damage.push(`unexpected error: ${deployed.stderr.trim()}`);
  if (!deployed.stderr.includes('hint:')) damage.push('no hint');
  const serving = await waitFor('the running release to answer', async () => (await fetch(`${platform.routerUrl}${loadPath}`)).ok, 30_000).then(() => true, () => false);
  if (!serving) damage.push('the running release stopped serving');
  return { what: 'truncated artifact, then deploy', damage, note: deployed.stderr.trim().split('\n')[0]?.slice(0, 160) ?? '' };
}
