/**
 * Cron schedules with timezones, through croner (a kept library; DST-aware): five fields, or six
 * with seconds first (`*\/5 * * * * *`). A schedule is checked once when the spec is parsed;
 * after that the next run is a pure function of the time.
 */
import { Cron } from 'croner';

export type CronCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

export function checkCron(schedule: string): CronCheck {
  try {
    new Cron(schedule, { paused: true, timezone: 'UTC' });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: (error as Error).message.replace(/^CronPattern: /, '') };
  }
}

export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** A schedule ready to answer "when next": compile once per job, ask many times. */
export interface Schedule {
  /** The first run strictly after `after` (epoch ms), or null when the schedule never fires again. */
  nextAfter(after: number): number | null;
}

export function compileSchedule(schedule: string, timezone: string): Schedule {
  const cron = new Cron(schedule, { paused: true, timezone });
  return {
    nextAfter(after) {
      // croner counts from the start of the next whole second: strictly-after is exact for
      // second-aligned times and never fires twice for one scheduled time.
      return cron.nextRun(new Date(after))?.getTime() ?? null;
    },
  };
}
