/**
 * Metric history kept in memory with bounded size: per series, a ring of 10-second points for
 * the last hour and one of 1-minute averages for the last day (Float32 values: about 14 KB a
 * series whatever runs). Older minutes live in SQLite (see rollup-store.ts).
 */

export interface Point {
  /** Epoch ms of the start of the point's interval. */
  readonly time: number;
  readonly value: number;
}

export type Resolution = '10s' | '1m';

class Ring {
  private readonly values: Float32Array;
  /** The interval number each slot holds (time / step), to tell a current slot from a stale one. */
  private readonly slots: Uint32Array;
  private readonly counts: Uint8Array;

  constructor(
    private readonly size: number,
    readonly stepMs: number,
  ) {
    this.values = new Float32Array(size);
    this.slots = new Uint32Array(size);
    this.counts = new Uint8Array(size);
  }

  /** Averages the values given within one interval. */
  add(time: number, value: number): void {
    const interval = Math.floor(time / this.stepMs);
    const slot = interval % this.size;
    if (this.slots[slot] !== interval || this.counts[slot] === 0) {
      this.slots[slot] = interval;
      this.values[slot] = value;
      this.counts[slot] = 1;
      return;
    }
    const count = this.counts[slot] as number;
    this.values[slot] = ((this.values[slot] as number) * count + value) / (count + 1);
    if (count < 255) this.counts[slot] = count + 1;
  }

  points(from: number, to: number): Point[] {
    const out: Point[] = [];
    const first = Math.max(Math.floor(from / this.stepMs), Math.floor(to / this.stepMs) - this.size + 1);
    for (let interval = first; interval <= Math.floor(to / this.stepMs); interval++) {
      const slot = interval % this.size;
      if (this.slots[slot] === interval && this.counts[slot] !== 0) out.push({ time: interval * this.stepMs, value: this.values[slot] as number });
    }
    return out;
  }

  value(interval: number): number | null {
    const slot = interval % this.size;
    return this.slots[slot] === interval && this.counts[slot] !== 0 ? (this.values[slot] as number) : null;
  }
}

export interface HistorySeries {
  readonly key: string;
  readonly fine: Ring;
  readonly coarse: Ring;
  lastWritten: number;
}

const fineStepMs = 10_000;
const coarseStepMs = 60_000;
/** Series not written for this long are dropped (instances and releases that are gone). */
const idleDropMs = 24 * 3_600_000;

export class MetricHistory {
  private readonly series = new Map<string, HistorySeries>();

  record(key: string, time: number, value: number): void {
    if (!Number.isFinite(value)) return;
    let series = this.series.get(key);
    if (!series) {
      series = { key, fine: new Ring(360, fineStepMs), coarse: new Ring(1440, coarseStepMs), lastWritten: time };
      this.series.set(key, series);
    }
    series.fine.add(time, value);
    series.coarse.add(time, value);
    series.lastWritten = time;
  }

  points(key: string, resolution: Resolution, from: number, to: number): Point[] {
    const series = this.series.get(key);
    if (!series) return [];
    return (resolution === '10s' ? series.fine : series.coarse).points(from, to);
  }

  /** The 1-minute averages of the minute that starts at `minuteStart`, per series (for the rollup). */
  minute(minuteStart: number): { key: string; value: number }[] {
    const interval = Math.floor(minuteStart / coarseStepMs);
    const out: { key: string; value: number }[] = [];
    for (const series of this.series.values()) {
      const value = series.coarse.value(interval);
      if (value !== null) out.push({ key: series.key, value });
    }
    return out;
  }

  prune(now: number): void {
    for (const [key, series] of this.series) if (series.lastWritten < now - idleDropMs) this.series.delete(key);
  }

  get size(): number {
    return this.series.size;
  }
}

/** `env/service/metric`, `env/service@release/metric` or `env/service#instance/metric`. */
export function seriesKey(parts: {
  readonly environment: string;
  readonly service: string;
  readonly metric: string;
  readonly release?: string | undefined;
  readonly instance?: string | undefined;
}): string {
  const scope = parts.instance ? `${parts.service}#${parts.instance}` : parts.release ? `${parts.service}@${parts.release}` : parts.service;
  return `${parts.environment}/${scope}/${parts.metric}`;
}
