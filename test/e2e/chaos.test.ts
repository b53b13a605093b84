/**
 * The chaos suite against the real `skiff up`: faults under a steady load of GETs through the
 * router, one printed line per scenario (requests, failed, longest gap, state intact). `npm test`
 * runs the short form; `npm run chaos` the full one (SKIFF_CHAOS=long). Asserted where the
 * behaviour is meant to hold today; the router-primary figures are only printed (being fixed on
 * another branch).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chaosForm, printLine } from '../chaos/form.js';
import { brokenDatabase, corruptedRouterTable, crashingServer, crashingService, truncatedArtifact } from '../chaos/broken-things.js';
import { killMidOperation, midOperations, midOperationSpec } from '../chaos/kill-mid-operation.js';
import { killInstances, killRepeatedly } from '../chaos/kill-under-load.js';
import { instanceProcesses, killPid } from '../chaos/processes.js';
import { echoServer, echoSpec, startPlatform } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  const running = platform;
  platform = undefined;
  if (!running) return;
  // A scenario that failed with the control plane down: start it again so `stop` ends what it left.
  if (running.process.exitCode !== null || running.process.signalCode !== null) await running.restart().catch(() => undefined);
  await running.stop();
  // What a fault left outside status outlives `stop`: end it by pid (it is this test's).
  for (const stray of instanceProcesses(running)) killPid(stray.pid);
});

const minutes = 60_000;

describe(`chaos (${chaosForm.name} form)`, () => {
  it('kill -9 an instance every second: no failed idempotent request, state intact', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 3 }) });
    const line = await killInstances(platform, chaosForm.instanceKillMs, 3);
    printLine(line);
    expect(line.load?.failed, line.load?.failures.join('\n')).toBe(0);
    expect(line.damage).toEqual([]);
  }, 3 * minutes);

  it('kill -9 the control plane under load: no failed request, state intact', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 2 }) });
    const line = await killRepeatedly(platform, 'control plane', chaosForm.repetitions);
    printLine(line);
    expect(line.load?.failed, line.load?.failures.join('\n')).toBe(0);
    expect(line.damage).toEqual([]);
  }, 5 * minutes);

  it('kill -9 a router worker, then the router primary, under load: no failed GET after one client retry of a reset connection, no router process left behind', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 2 }) });
    for (const victim of ['router worker', 'router primary'] as const) {
      const line = await killRepeatedly(platform, victim, chaosForm.repetitions);
      printLine(line);
      expect(line.load?.failed, `${victim}: ${line.load?.failures.join('\n')}`).toBe(0);
      expect(line.damage).toEqual([]);
    }
  }, 8 * minutes);

  const operations = Object.keys(midOperations);
  it(`kill -9 the control plane during ${operations.join(', ')}: each completed or did not happen, never half; nothing lost or left outside status`, async () => {
    platform = await startPlatform({ spec: midOperationSpec() });
    const damage: string[] = [];
    for (const name of operations) {
      const line = await killMidOperation(platform, midOperations[name]!);
      printLine(line);
      damage.push(...line.damage.map((d) => `${name}: ${d}`));
      if (line.load && line.load.failed > 0) damage.push(`${name}: ${line.load.failed} failed requests (${line.load.failures.slice(0, 2).join(' | ')})`);
    }
    expect(damage).toEqual([]);
  }, 15 * minutes);

  it('a service that crashes every few hundred requests: no failed idempotent request through the router, state intact', async () => {
    const spec = echoSpec({ instances: 2 }).replace(JSON.stringify(echoServer), 'crashing.mjs');
    platform = await startPlatform({ spec, files: { 'crashing.mjs': crashingServer(echoServer, 300) } });
    const line = await crashingService(platform, chaosForm.crashingLoadMs, 300);
    printLine(line);
    expect(line.load?.failed, line.load?.failures.join('\n')).toBe(0);
  }, 3 * minutes);

  it('a corrupted router table, a truncated artifact, a corrupted or missing SQLite file: refused with a coded error and a hint, or recovered; never a crash loop', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 2 }) });
    const refusals = [await corruptedRouterTable(platform), await truncatedArtifact(platform), await brokenDatabase(platform, 'missing'), await brokenDatabase(platform, 'corrupted')];
    for (const refusal of refusals) printLine({ scenario: refusal.what, load: null, damage: refusal.damage, note: refusal.note });
    expect(refusals.flatMap((r) => r.damage.map((d) => `${r.what}: ${d}`))).toEqual([]);
  }, 4 * minutes);
});
