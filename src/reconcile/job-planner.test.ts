import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../spec/cron.js';
import { latestDue, planJob } from './job-planner.js';

const t = (iso: string): number => Date.parse(iso);
const nightly = compileSchedule('0 3 * * *', 'Europe/Berlin');
const base = { schedule: nightly, concurrency: 'forbid' as const, startingDeadlineMs: null, running: [] };

describe('job planner', () => {
  it('waits before the time, starts at it, and starts only the latest of several missed times', () => {
    const cursor = t('2026-06-01T01:00:00Z'); // 03:00 Berlin (CEST) is 01:00Z
    expect(planJob({ ...base, cursor, now: t('2026-06-02T00:59:59Z') })).toEqual({ kind: 'wait' });
    expect(planJob({ ...base, cursor, now: t('2026-06-02T01:00:00Z') })).toEqual({ kind: 'start', scheduledAt: t('2026-06-02T01:00:00Z'), replace: [] });
    // Down for a week: one run, for the latest time.
    expect(planJob({ ...base, cursor, now: t('2026-06-09T12:00:00Z') })).toEqual({ kind: 'start', scheduledAt: t('2026-06-09T01:00:00Z'), replace: [] });
  });

  it('records a run missed beyond the starting deadline as missed', () => {
    const input = { ...base, cursor: t('2026-06-01T01:00:00Z'), startingDeadlineMs: 3_600_000 };
    expect(planJob({ ...input, now: t('2026-06-02T01:59:00Z') })).toMatchObject({ kind: 'start' });
    expect(planJob({ ...input, now: t('2026-06-02T02:01:00Z') })).toEqual({ kind: 'skip', scheduledAt: t('2026-06-02T01:00:00Z'), reason: 'missed' });
  });

  it('applies the concurrency policy when the last run still runs', () => {
    const input = { ...base, cursor: t('2026-06-01T01:00:00Z'), now: t('2026-06-02T01:00:05Z'), running: [7] };
    expect(planJob(input)).toEqual({ kind: 'skip', scheduledAt: t('2026-06-02T01:00:00Z'), reason: 'running' });
    expect(planJob({ ...input, concurrency: 'replace' })).toEqual({ kind: 'start', scheduledAt: t('2026-06-02T01:00:00Z'), replace: [7] });
    expect(planJob({ ...input, concurrency: 'allow' })).toEqual({ kind: 'start', scheduledAt: t('2026-06-02T01:00:00Z'), replace: [] });
  });

  it('runs 02:30 Berlin once on the day it does not exist and once on the day it happens twice', () => {
    const schedule = compileSchedule('30 2 * * *', 'Europe/Berlin');
    const runsOn = (day: string): string[] => {
      const runs: string[] = [];
      for (let at = schedule.nextAfter(t(`${day}T00:00:00+02:00`)); at !== null && at < t(`${day}T23:59:59+01:00`); at = schedule.nextAfter(at)) runs.push(new Date(at).toISOString());
      return runs;
    };
    expect(runsOn('2026-03-29')).toEqual(['2026-03-29T01:30:00.000Z']);
    expect(runsOn('2026-10-25')).toHaveLength(1);
  });
});

const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'UTC'] as const;
// Minutes and hours around the changes (01:00–03:59 local), plus stepped and listed fields.
const cronArb = fc
  .tuple(
    fc.constantFrom('0', '30', '*/15', '59', '*'),
    fc.constantFrom('*', '1', '2', '3', '1-3', '*/2', '0,2'),
    fc.constantFrom('*', '*/5', '0'),
  )
  .map(([minute, hour, second]) => `${second} ${minute} ${hour} * * *`);
// Times in the weeks of the 2026 DST changes of these zones.
const dstTimeArb = fc.constantFrom('2026-03-08', '2026-03-29', '2026-04-05', '2026-09-06', '2026-10-04', '2026-10-25', '2026-11-01').chain((day) =>
  fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }).map((offset) => t(`${day}T00:00:00Z`) + offset),
);

describe('next run across DST changes (property)', () => {
  const runs = process.env.SKIFF_FUZZ === 'long' ? 20_000 : 60;

  it('is always after the time asked from, and never goes backwards as that time moves on', () => {
    fc.assert(
      fc.property(cronArb, fc.constantFrom(...zones), dstTimeArb, fc.integer({ min: 0, max: 6 * 3_600_000 }), (cron, zone, from, later) => {
        const schedule = compileSchedule(cron, zone);
        const a = schedule.nextAfter(from);
        const b = schedule.nextAfter(from + later);
        expect(a).not.toBeNull();
        expect(a!).toBeGreaterThan(from);
        expect(b!).toBeGreaterThanOrEqual(a!);
        // Nothing is skipped: the next run after a run is strictly later, and nothing fires between.
        const next = schedule.nextAfter(a!);
        expect(next!).toBeGreaterThan(a!);
      }),
      { numRuns: runs },
    );
  });

  it('a clock ticking through a DST change starts each due time once, in increasing order', () => {
    fc.assert(
      fc.property(cronArb, fc.constantFrom(...zones), dstTimeArb, fc.array(fc.integer({ min: 1, max: 900_000 }), { minLength: 5, maxLength: 60 }), (cron, zone, start, steps) => {
        const schedule = compileSchedule(cron, zone);
        let cursor = start;
        let now = start;
        const started: number[] = [];
        for (const step of steps) {
          now += step;
          const decision = planJob({ schedule, concurrency: 'allow', startingDeadlineMs: null, cursor, running: [], now });
          if (decision.kind === 'wait') continue;
          expect(decision.scheduledAt).toBeGreaterThan(cursor);
          expect(decision.scheduledAt).toBeLessThanOrEqual(now);
          started.push(decision.scheduledAt);
          cursor = decision.scheduledAt;
        }
        expect(new Set(started).size).toBe(started.length);
        expect([...started].sort((x, y) => x - y)).toEqual(started);
      }),
      { numRuns: Math.ceil(runs / 3) },
    );
  });
});
