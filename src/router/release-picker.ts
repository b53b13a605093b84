/**
 * Release choice for routes with `weights`, `releaseMatches` or a `mirror`, compiled once per
 * table: which backends a request may go to before the balancer picks one of them. Matches are
 * checked in order; then smooth weighted round robin over the weighted releases that have ready
 * backends (deterministic and exact: 5% is 5 of every 100 requests); the mirror's candidate never
 * gets client traffic unless a match names it. Picking allocates nothing. Pure apart from the
 * round-robin counters it owns.
 */
import type { BalanceKind, RequestMatch, RouteEntry } from '../core/route-table.js';
import type { BalancedBackend, BalancedRoute } from './balancer.js';
import { MirrorSettings } from './parallel/mirror-settings.js';

export interface TrafficBackend extends BalancedBackend {
  readonly release: string;
}

/** A subset of a route's backends, balanced on its own. */
export interface BackendGroup<B extends BalancedBackend> extends BalancedRoute<B> {
  /** The release of every backend in the group; '' when the group mixes releases. */
  readonly release: string;
}

interface CompiledMatch<B extends BalancedBackend> {
  readonly cookie: boolean;
  readonly name: string;
  readonly value: string;
  readonly group: BackendGroup<B>;
}

function group<B extends TrafficBackend>(release: string, balance: BalanceKind, backends: readonly B[]): BackendGroup<B> {
  return { release, balance, backends, cursor: 0 };
}

/** Whether one `Cookie` header value holds `name=value` exactly. */
export function cookieHas(header: string, name: string, value: string): boolean {
  const length = header.length;
  const pairLength = name.length + 1 + value.length;
  let start = 0;
  while (start < length) {
    while (start < length && (header.charCodeAt(start) === 32 || header.charCodeAt(start) === 9)) start++;
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    let last = end;
    while (last > start && (header.charCodeAt(last - 1) === 32 || header.charCodeAt(last - 1) === 9)) last--;
    if (
      last - start === pairLength &&
      header.startsWith(name, start) &&
      header.charCodeAt(start + name.length) === 61 /* = */ &&
      header.startsWith(value, start + name.length + 1)
    ) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

/** Whether the request's raw headers (name, value, name, value…) satisfy `match`. */
function matches(rawHeaders: readonly string[], match: CompiledMatch<BalancedBackend>): boolean {
  const wanted = match.cookie ? 'cookie' : match.name;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== wanted.length || name.toLowerCase() !== wanted) continue;
    const value = rawHeaders[i + 1] as string;
    if (match.cookie ? cookieHas(value, match.name, match.value) : value === match.value) return true;
  }
  return false;
}

export class RouteTraffic<B extends TrafficBackend> {
  /** Matches whose release has a ready backend, in table order. */
  private readonly matches: readonly CompiledMatch<B>[];
  /** Weighted releases with ready backends and a weight above 0. */
  private readonly weighted: readonly BackendGroup<B>[];
  private readonly weights: Float64Array;
  /** Smooth weighted round robin state, one per weighted release. */
  readonly current: Float64Array;
  private readonly totalWeight: number;
  /** Where a request goes without a match and without weights (or with no weighted backend). */
  readonly normal: BackendGroup<B>;
  /** Every backend a request without a match may get: a retry's second choice. */
  readonly eligible: BackendGroup<B>;
  private readonly byRelease: ReadonlyMap<string, BackendGroup<B>>;
  /** Releases and weights the round-robin state belongs to: equal keys keep it across tables. */
  readonly key: string;
  /** The parallel run of the route, if any. */
  readonly mirror: MirrorSettings | null;

  constructor(entry: RouteEntry, backends: readonly B[], previous?: RouteTraffic<B>) {
    const balance = entry.balance;
    const byRelease = new Map<string, B[]>();
    for (const backend of backends) {
      let list = byRelease.get(backend.release);
      if (list === undefined) byRelease.set(backend.release, (list = []));
      list.push(backend);
    }
    const groups = new Map<string, BackendGroup<B>>();
    for (const [release, list] of byRelease) groups.set(release, group(release, balance, list));
    this.byRelease = groups;

    const candidate = entry.mirror?.candidateRelease;
    const trusted = candidate === undefined ? backends : backends.filter((backend) => backend.release !== candidate);
    this.normal = group('', balance, trusted);

    this.matches = (entry.releaseMatches ?? []).flatMap(({ match, release }) => {
      const target = groups.get(release);
      return target === undefined ? [] : [compileMatch(match, target)];
    });

    const weighted: BackendGroup<B>[] = [];
    const weights: number[] = [];
    for (const [release, weight] of Object.entries(entry.weights ?? {})) {
      const target = groups.get(release);
      if (target === undefined || !(weight > 0)) continue;
      weighted.push(target);
      weights.push(weight);
    }
    this.weighted = weighted;
    this.weights = Float64Array.from(weights);
    this.totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
    this.key = JSON.stringify(weighted.map((target, i) => [target.release, weights[i]]));
    this.current = previous !== undefined && previous.key === this.key ? previous.current : new Float64Array(weighted.length);
    this.mirror = entry.mirror === undefined ? null : new MirrorSettings(entry.mirror, previous?.mirror ?? undefined);
    this.eligible = weighted.length === 0 ? this.normal : group('', balance, weighted.flatMap((target) => target.backends));
  }

  /** The backends the request may go to; an empty group when only the candidate has backends. */
  pick(rawHeaders: readonly string[]): BackendGroup<B> {
    const matchList = this.matches;
    for (let i = 0; i < matchList.length; i++) {
      const match = matchList[i] as CompiledMatch<B>;
      if (matches(rawHeaders, match)) return match.group;
    }
    return this.pickWeighted();
  }

  /** Smooth weighted round robin (nginx's): every window of `totalWeight` picks is exact. */
  pickWeighted(): BackendGroup<B> {
    const count = this.weighted.length;
    if (count === 0) return this.normal;
    if (count === 1) return this.weighted[0] as BackendGroup<B>;
    const current = this.current;
    const weights = this.weights;
    let best = 0;
    for (let i = 0; i < count; i++) {
      current[i] = (current[i] as number) + (weights[i] as number);
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best] = (current[best] as number) - this.totalWeight;
    return this.weighted[best] as BackendGroup<B>;
  }

  /** The backends of `release` in this table, if it has any. */
  groupOf(release: string): BackendGroup<B> | undefined {
    return this.byRelease.get(release);
  }
}

function compileMatch<B extends BalancedBackend>(match: RequestMatch, target: BackendGroup<B>): CompiledMatch<B> {
  return match.kind === 'cookie'
    ? { cookie: true, name: match.name, value: match.value, group: target }
    : { cookie: false, name: match.name.toLowerCase(), value: match.value, group: target };
}

/** Whether a route needs release choice at all; plain routes keep the balancer-only path. */
export function needsTraffic(entry: RouteEntry): boolean {
  return entry.weights !== undefined || (entry.releaseMatches !== undefined && entry.releaseMatches.length > 0) || entry.mirror !== undefined;
}
