/**
 * The chaos suite against the real `skiff up`: faults under a steady load of GETs through the
 * router, one printed line per scenario (requests, failed, longest gap, state intact). `npm test`
 * runs the short form; `npm run chaos` the full one (SKIFF_CHAOS=long). Asserted where the
 * behaviour is meant to hold today; the router-primary figures are only printed (being fixed on
 * another branch).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chaosForm, printLine } from '../chaos/form.js';
import { killInstances, killRepeatedly } from '../chaos/kill-under-load.js';
import { echoSpec, startPlatform } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  const running = platform;
  platform = undefined;
  if (!running) return;
  // A scenario that failed with the control plane down: start it again so `stop` ends what it left.
  if (running.process.exitCode !== null || running.process.signalCode !== null) await running.restart().catch(() => undefined);
  await running.stop();
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
});
