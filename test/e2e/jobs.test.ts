/**
 * Scheduled jobs with the real `skiff up`: a job on a seconds schedule runs with its service's
 * release (and volume), again and again, and shows in `skiff jobs` with its history; a failing
 * job is tried again, reported failed, and raises its `jobFailed(name)` alert.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const spec = `name: notes
services:
  notes:
    path: svc
    start: [node, server.mjs]
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /notes, stripPrefix: true }]
    volumes:
      data: { path: /var/lib/notes }
jobs:
  tally:
    service: notes
    command: [node, tally.mjs]
    schedule: "*/2 * * * * *"
    timezone: Europe/Berlin
  broken:
    service: notes
    command: [node, -e, "console.error('cannot reach the mail server'); process.exit(3)"]
    schedule: "*/3 * * * * *"
    retries: 1
alerts:
  - name: broken-job
    expr: jobFailed(broken) > 0
  - name: tally-job
    expr: jobFailed(tally) > 0
`;

// Appends one line per run to a file in the service's volume.
const tally = `import fs from 'node:fs';
fs.appendFileSync(process.env.SKIFF_VOLUME_DATA + '/tally.log', process.env.SKIFF_JOB_RUN + ' ' + process.env.SKIFF_RELEASE + '\\n');
console.log('tallied');
`;

interface JobJson {
  name: string;
  environment: string;
  lastRun: { status: string; attempt: number; exitCode: number | null; output: string } | null;
  nextRunAt: string | null;
}

describe('scheduled jobs', () => {
  it('run on their schedule with the service release and volume, and show with their history', async () => {
    platform = await startPlatform({
      spec,
      files: { 'svc/server.mjs': fs.readFileSync(path.join(repoRoot, 'test/fixtures/notes/server.mjs'), 'utf8'), 'svc/tally.mjs': tally },
    });
    const p = platform;
    await waitForReady(p, { notes: 1 });
    const jobs = (): JobJson[] => {
      const listed = p.cli(['jobs', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      return JSON.parse(listed.stdout) as JobJson[];
    };
    const log = path.join(p.dataDir, 'volumes', 'dev', 'notes', 'data', 'tally.log');
    await waitFor('two tallies', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').trim().split('\n').length >= 2, 30_000);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/^\d+ v1\n\d+ v1\n/);

    const tallyJob = await waitFor('tally to show a success', () => jobs().find((job) => job.name === 'tally' && job.lastRun?.status === 'succeeded'));
    expect(tallyJob.lastRun?.output).toBe('tallied');
    expect(Date.parse(tallyJob.nextRunAt!)).toBeGreaterThan(Date.now() - 2_000);

    const broken = await waitFor('broken to fail its retry', () => jobs().find((job) => job.name === 'broken' && job.lastRun?.status === 'failed' && job.lastRun.attempt === 2), 30_000);
    expect(broken.lastRun).toMatchObject({ exitCode: 3, output: 'cannot reach the mail server' });

    // The failure raises the alert rule over jobFailed(broken); tally's stays quiet.
    const alertStates = async (): Promise<Record<string, string>> =>
      Object.fromEntries(((await (await p.fetch('/api/v1/alerts')).json()) as { name: string; state: string }[]).map((alert) => [alert.name, alert.state]));
    expect(await waitFor('broken-job to fire', async () => ((await alertStates())['broken-job'] === 'firing' ? alertStates() : null), 30_000)).toMatchObject({
      'tally-job': 'inactive',
    });

    const table = p.cli(['jobs']);
    expect(table.stdout).toMatch(/tally\s+dev\s+notes\s+\*\/2 \* \* \* \* \* Europe\/Berlin/);
    // Between two of its runs, or in one (it runs every 3 s).
    expect(table.stdout).toMatch(/broken\s+dev\s+notes.*(failed \(exit 3\)|running \(1\))/);
    const history = p.cli(['jobs', 'tally', '--json']);
    const runs = JSON.parse(history.stdout) as { status: string; scheduledAt: string }[];
    expect(runs.filter((run) => run.status === 'succeeded').length).toBeGreaterThanOrEqual(2);
    const times = runs.map((run) => Date.parse(run.scheduledAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(times.every((time) => time % 2000 === 0)).toBe(true);
  }, 120_000);
});
