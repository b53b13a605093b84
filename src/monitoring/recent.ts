/**
 * The last minutes of samples, per environment, at the tick's resolution: what alerts and
 * `skiff top` read. Bounded by age and by count.
 */
import type { CertificateSample, DesiredCount, EnvironmentSample, InstanceSample } from './sources.js';
import { delta, trafficByService } from './traffic.js';
import type { TrafficDelta, TrafficTotals } from './traffic.js';

export interface Tick {
  readonly time: number;
  readonly instances: readonly InstanceSample[];
  readonly desired: readonly DesiredCount[];
  /** Null when the router did not answer at this tick. */
  readonly traffic: ReadonlyMap<string, TrafficTotals> | null;
  readonly certificates: readonly CertificateSample[];
  readonly usageUnavailable?: string;
}

const keepMs = 15 * 60_000;
const maxTicks = 2_000;
const maxRestartsKept = 10_000;
const restartsKeepMs = 24 * 3_600_000;

export class RecentSamples {
  private readonly ticks = new Map<string, Tick[]>();
  private readonly restartTimes = new Map<string, number[]>();

  record(sample: EnvironmentSample, time: number): Tick {
    const tick: Tick = {
      time,
      instances: sample.instances,
      desired: sample.desired,
      traffic: sample.routerMetrics === null ? null : trafficByService(sample.routerMetrics),
      certificates: sample.certificates,
      ...(sample.usageUnavailable ? { usageUnavailable: sample.usageUnavailable } : {}),
    };
    let list = this.ticks.get(sample.environment);
    if (!list) {
      list = [];
      this.ticks.set(sample.environment, list);
    }
    list.push(tick);
    while (list.length > maxTicks || (list.length > 1 && (list[0] as Tick).time < time - keepMs)) list.shift();
    return tick;
  }

  /** Forgets environments that no longer run. */
  retain(environments: readonly string[]): void {
    for (const environment of this.ticks.keys()) if (!environments.includes(environment)) this.ticks.delete(environment);
  }

  latest(environment: string): Tick | undefined {
    return this.ticks.get(environment)?.at(-1);
  }

  /** The newest tick at or before `time`, or the oldest one kept. */
  before(environment: string, time: number): Tick | undefined {
    const list = this.ticks.get(environment) ?? [];
    let found: Tick | undefined = list[0];
    for (const tick of list) if (tick.time <= time) found = tick;
    return found;
  }

  /** Traffic of `key` (a service, or `service@release`) over the last `windowMs`, or less when younger. */
  traffic(environment: string, key: string, windowMs: number): TrafficDelta | null {
    const list = (this.ticks.get(environment) ?? []).filter((tick) => tick.traffic !== null);
    const newest = list.at(-1);
    const newer = newest?.traffic?.get(key);
    if (!newest || !newer) return null;
    const from = newest.time - windowMs;
    const oldest = list.find((tick) => tick.time >= from) ?? newest;
    if (oldest === newest) return list.length === 1 ? null : delta(list.at(-2)?.traffic?.get(key), newer, (newest.time - (list.at(-2) as Tick).time) / 1000);
    return delta(oldest.traffic?.get(key), newer, (newest.time - oldest.time) / 1000);
  }

  noteRestart(environment: string, service: string, time: number): void {
    const key = `${environment}/${service}`;
    const times = this.restartTimes.get(key) ?? [];
    times.push(time);
    while (times.length > maxRestartsKept || (times.length > 0 && (times[0] as number) < time - restartsKeepMs)) times.shift();
    this.restartTimes.set(key, times);
  }

  restarts(environment: string, service: string, windowMs: number, now: number): number {
    return (this.restartTimes.get(`${environment}/${service}`) ?? []).filter((time) => time >= now - windowMs).length;
  }
}
