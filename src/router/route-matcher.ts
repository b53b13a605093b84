/**
 * Turns a routing table into lookup structures once, so matching a request is a map lookup and
 * a short scan with no allocation. Pure: the caller decides what a compiled backend carries.
 */
import type { BalanceKind, RouteBackend, RouteEntry, RouteTable } from '../core/route-table.js';

export interface CompiledRoute<B, S = undefined> {
  readonly id: string;
  readonly entry: RouteEntry;
  /** Normalized: no trailing slash except for the root `/`. */
  readonly prefix: string;
  readonly stripPrefix: boolean;
  /** Upper-case method names. */
  readonly retryMethods: ReadonlySet<string>;
  readonly balance: BalanceKind;
  readonly backends: readonly B[];
  /** Rotates tie-breaking and round-robin; owned by the balancer. */
  cursor: number;
  /** Whatever the caller attaches per route (policy, limiters, metrics). */
  readonly state: S;
}

export interface CompiledTable<B, S = undefined> {
  readonly table: RouteTable;
  /** Routes with a host, by lower-case host, longest prefix first. */
  readonly byHost: ReadonlyMap<string, readonly CompiledRoute<B, S>[]>;
  /** Routes without a host, longest prefix first. */
  readonly anyHost: readonly CompiledRoute<B, S>[];
}

export function normalizePrefix(prefix: string): string {
  let end = prefix.length;
  while (end > 1 && prefix.charCodeAt(end - 1) === 47 /* / */) end--;
  return end === prefix.length ? prefix : prefix.slice(0, end);
}

export function compileTable<B, S = undefined>(
  table: RouteTable,
  compileBackend: (backend: RouteBackend, entry: RouteEntry) => B,
  compileState?: (entry: RouteEntry) => S,
): CompiledTable<B, S> {
  const byHost = new Map<string, CompiledRoute<B, S>[]>();
  const anyHost: CompiledRoute<B, S>[] = [];
  for (const entry of table.routes) {
    const route: CompiledRoute<B, S> = {
      id: entry.id,
      entry,
      prefix: normalizePrefix(entry.pathPrefix),
      stripPrefix: entry.stripPrefix,
      retryMethods: new Set(entry.retryMethods.map((method) => method.toUpperCase())),
      balance: entry.balance,
      backends: entry.backends.map((backend) => compileBackend(backend, entry)),
      cursor: 0,
      state: (compileState ? compileState(entry) : undefined) as S,
    };
    if (entry.host === undefined) {
      anyHost.push(route);
    } else {
      const host = entry.host.toLowerCase();
      let list = byHost.get(host);
      if (!list) byHost.set(host, (list = []));
      list.push(route);
    }
  }
  // Stable sort: among equal prefixes the table's order decides.
  const longestFirst = (a: CompiledRoute<B, S>, b: CompiledRoute<B, S>): number => b.prefix.length - a.prefix.length;
  anyHost.sort(longestFirst);
  for (const list of byHost.values()) list.sort(longestFirst);
  return { table, byHost, anyHost };
}

/** Whether `prefix` matches `url` (path plus query) on a segment boundary. */
export function prefixMatches(prefix: string, url: string): boolean {
  if (!url.startsWith(prefix)) return false;
  if (url.length === prefix.length || prefix.length === 1) return true;
  const next = url.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

function firstMatch<B, S>(routes: readonly CompiledRoute<B, S>[], url: string): CompiledRoute<B, S> | undefined {
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i] as CompiledRoute<B, S>;
    if (prefixMatches(route.prefix, url)) return route;
  }
  return undefined;
}

/**
 * Routes for the request's host win over routes without a host; within each group the longest
 * matching prefix wins. A host with routes that do not match the path falls back to host-less routes.
 */
export function matchRoute<B, S>(
  compiled: CompiledTable<B, S>,
  host: string | undefined,
  url: string,
): CompiledRoute<B, S> | undefined {
  if (host !== undefined && compiled.byHost.size > 0) {
    const routes = compiled.byHost.get(host);
    if (routes !== undefined) {
      const route = firstMatch(routes, url);
      if (route !== undefined) return route;
    }
  }
  return firstMatch(compiled.anyHost, url);
}

/** The path sent upstream: the prefix removed when the route strips it, leaving at least `/`. */
export function upstreamPath(route: { readonly prefix: string; readonly stripPrefix: boolean }, url: string): string {
  if (!route.stripPrefix || route.prefix.length === 1) return url;
  const rest = url.slice(route.prefix.length);
  if (rest.length === 0) return '/';
  return rest.charCodeAt(0) === 63 /* ? */ ? `/${rest}` : rest;
}
