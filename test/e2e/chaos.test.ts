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

  it('kill -9 a router worker, then the router primary, under load: figures printed (the process model is being reworked)', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 2 }) });
    printLine(await killRepeatedly(platform, 'router worker', chaosForm.repetitions));
    printLine(await killRepeatedly(platform, 'router primary', chaosForm.repetitions));
  }, 8 * minutes);

  // Only in the full form (`npm run chaos`) for now: a control plane killed mid-operation can still
  // leave an instance outside status, and the stop after it then outlasts this suite's hooks (open
  // defect, RELIABILITY.md "Open"). Registered only there, so the short form skips nothing.
  const operations = Object.keys(midOperations);
  if (chaosForm.name === 'long') it(`kill -9 the control plane during ${operations.join(', ')}: each completed or did not happen, never half; nothing lost`, async () => {
    platform = await startPlatform({ spec: midOperationSpec() });
    const half: string[] = [];
    for (const name of operations) {
      const line = await killMidOperation(platform, midOperations[name]!);
      printLine(line);
      half.push(...line.damage.filter((d) => d.startsWith('half:') || d.includes(' lost: ')).map((d) => `${name}: ${d}`));
    }
    // Asserted: never half, nothing lost. Instance processes left outside status are printed only:
    // still measured after the lifecycle fixes (RELIABILITY.md, "Open").
    expect(half).toEqual([]);
  }, 15 * minutes);

  it('a service that crashes every few hundred requests: figures printed, state intact', async () => {
    const spec = echoSpec({ instances: 2 }).replace(JSON.stringify(echoServer), 'crashing.mjs');
    platform = await startPlatform({ spec, files: { 'crashing.mjs': crashingServer(echoServer, 300) } });
    printLine(await crashingService(platform, chaosForm.crashingLoadMs, 300));
  }, 3 * minutes);

  it('a corrupted router table, a truncated artifact, a corrupted or missing SQLite file: refused with a coded error and a hint, or recovered; never a crash loop', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 2 }) });
    const refusals = [await corruptedRouterTable(platform), await truncatedArtifact(platform), await brokenDatabase(platform, 'missing'), await brokenDatabase(platform, 'corrupted')];
    for (const refusal of refusals) printLine({ scenario: refusal.what, load: null, damage: refusal.damage, note: refusal.note });
    expect(refusals.flatMap((r) => r.damage.map((d) => `${r.what}: ${d}`))).toEqual([]);
  }, 4 * minutes);
});
