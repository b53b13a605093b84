/**
 * The job scheduler over a driven clock, with a test executor running real child processes
 * and the history in SQLite on disk: runs on time, retries, timeouts (the process is killed),
 * concurrency policies, a missed time after an outage, and runs a dead control plane left.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pidAlive } from '../drivers/testing/fixtures.js';
import { JobScheduler, lastRunFailed } from '../reconcile/job-scheduler.js';
import type { ScheduledJob } from '../reconcile/job-scheduler.js';
import { desiredService } from '../reconcile/testing/deployments.js';
import { jobSchema } from '../spec/schema-jobs.js';
import type { JobSpec } from '../spec/schema-jobs.js';
import { createJobRunStore } from '../store/job-run-store.js';
import type { JobRunStore } from '../store/job-run-store.js';
import { openDatabase } from '../store/sqlite-store.js';
import type { NewEvent } from '../store/state-store.js';
import { childProcessJobRunner } from './testing/child-process-job-runner.js';

let dir: string;
let store: JobRunStore;
let now: number;
let events: NewEvent[];
const schedulers: JobScheduler[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-jobs-'));
  store = createJobRunStore(openDatabase(dir));
  now = Date.parse('2026-03-29T00:00:00Z');
  events = [];
});

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function job(fields: Partial<Record<keyof JobSpec, unknown>>): ScheduledJob {
  const spec = jobSchema.parse({ service: 'web', command: [process.execPath, '-e', 'console.log("report done")'], schedule: '*/10 * * * * *', ...fields });
  return { name: 'report', environment: 'dev', spec, service: { ...desiredService('v1'), env: { GREETING: 'hi' }, stopGraceMs: 200 } };
}

function scheduler(jobs: ScheduledJob[]): JobScheduler {
  const created = new JobScheduler({
    store,
    clock: { now: () => now },
    emit: (event) => events.push(event),
    jobs: () => jobs,
    startJobRun: childProcessJobRunner({ prepare: async () => ({ directory: dir }), secretEnv: async () => ({}), baseEnv: { PATH: process.env.PATH ?? '' }, dataDir: dir }),
  });
  schedulers.push(created);
  return created;
}

async function until<T>(what: string, check: () => T | null | undefined | false): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const statuses = (): string[] => store.list({ limit: 50 }).reverse().map((run) => `${run.attempt}:${run.status}`);

describe('job scheduler', () => {
  it('starts a run at its time, not before, and records its output and result', async () => {
    const s = scheduler([job({ command: [process.execPath, '-e', 'console.log("report for " + process.env.SKIFF_JOB + " " + process.env.GREETING)'] })]);
    s.tick(); // first sight: counts from now
    now += 9_000;
    s.tick();
    expect(store.list({ limit: 10 })).toEqual([]);
    expect(s.views()[0]?.nextRunAt).toBe(now + 1_000);
    now += 1_000;
    s.tick();
    const run = await until('the run to finish', () => store.list({ limit: 1 }).find((r) => r.status !== 'running'));
    expect(run).toMatchObject({ job: 'report', environment: 'dev', release: 'v1', scheduledAt: now, attempt: 1, status: 'succeeded', exitCode: 0 });
    expect(run.output).toBe('report for report hi\n');
    expect(lastRunFailed(store, 'dev', 'report')).toBe(0);
    expect(events.map((event) => event.type)).toEqual(['job.started', 'job.succeeded']);
  });

  it('tries a failed run again up to `retries` times, then counts the job as failed', async () => {
    const s = scheduler([job({ command: [process.execPath, '-e', 'console.error("no database"); process.exit(3)'], retries: 2 })]);
    s.tick();
    now += 10_000;
    s.tick();
    await until('three attempts', () => store.list({ limit: 10 }).filter((r) => r.status === 'failed').length === 3);
    expect(statuses()).toEqual(['1:failed', '2:failed', '3:failed']);
    expect(store.list({ limit: 1 })[0]).toMatchObject({ exitCode: 3, reason: 'exited with code 3', output: 'no database\n' });
    expect(lastRunFailed(store, 'dev', 'report')).toBe(1);
  });

  it('kills a run past its timeout (the process is gone) and records it as timed out', async () => {
    const script = 'require("fs").writeFileSync("pid", String(process.pid)); setInterval(() => {}, 1000)';
    const s = scheduler([job({ command: [process.execPath, '-e', script], timeout: '5s' })]);
    s.tick();
    now += 10_000;
    s.tick();
    const pidFile = path.join(dir, 'pid');
    const pid = Number(await until('the run to write its pid', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8')));
    now += 5_000;
    s.tick();
    const run = await until('the timeout', () => store.list({ limit: 1 }).find((r) => r.status !== 'running'));
    expect(run).toMatchObject({ status: 'timed-out', reason: 'ran longer than its timeout of 5000 ms' });
    expect(await pidAlive(pid)).toBe(false);
  });

  it('forbid skips a time while the last run runs; replace stops the last run and starts the new one', async () => {
    const sleeper = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
    const forbid = scheduler([job({ command: sleeper })]);
    forbid.tick();
    now += 10_000;
    forbid.tick();
    now += 10_000;
    forbid.tick();
    expect(statuses()).toEqual(['1:running', '0:skipped']);
    await forbid.close();

    const replace = scheduler([job({ command: sleeper, concurrency: 'replace' })]);
    now += 10_000;
    replace.tick();
    now += 10_000;
    replace.tick();
    await until('the replaced run to end', () => store.list({ limit: 10 }).some((r) => r.status === 'replaced'));
    expect(statuses()).toEqual(['1:lost', '0:skipped', '1:replaced', '1:running']);
  });

  it('after an outage runs a missed time once within the starting deadline, and records it as missed beyond it', async () => {
    const late = scheduler([job({ startingDeadline: '1m' })]);
    late.tick();
    now += 3_600_000 + 30_000; // down for an hour: the latest time was 30 s ago
    late.tick();
    await until('the caught-up run', () => store.list({ limit: 1 }).find((r) => r.status === 'succeeded'));
    expect(statuses()).toEqual(['1:succeeded']);

    now += 10 * 60_000 + 5_000; // the latest time was 5 s ago: still within the deadline
    const tooLate = scheduler([job({ startingDeadline: '1s' })]);
    tooLate.tick();
    expect(statuses()).toEqual(['1:succeeded', '0:missed']);
  });

  it('records a run an earlier control plane left running as lost', () => {
    const left = store.create({ job: 'report', environment: 'dev', service: 'web', release: 'v1', scheduledAt: now, attempt: 1, startedAt: now, status: 'running', reason: null });
    expect(scheduler([]).recoverLost()).toBe(1);
    expect(store.list({ limit: 1 })[0]).toMatchObject({ id: left.id, status: 'lost' });
    expect(events.map((event) => event.type)).toEqual(['job.lost']);
  });
});
