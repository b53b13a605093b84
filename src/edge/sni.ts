/**
 * Certificate choice by SNI: the exact host first, then the wildcard one label up
 * (`*.example.com` serves `a.example.com`, not `example.com` nor `a.b.example.com`). A client
 * that sends no server name (or one no certificate covers) gets the first certificate.
 */
export interface SniIndex<T> {
  readonly exact: ReadonlyMap<string, T>;
  /** By the suffix after `*.`. */
  readonly wildcard: ReadonlyMap<string, T>;
  readonly fallback: T | undefined;
}

/** Earlier entries win a host that several name. */
export function buildSniIndex<T>(entries: readonly { readonly hosts: readonly string[]; readonly value: T }[]): SniIndex<T> {
  const exact = new Map<string, T>();
  const wildcard = new Map<string, T>();
  for (const { hosts, value } of entries) {
    for (const raw of hosts) {
      const host = raw.toLowerCase();
      const target = host.startsWith('*.') ? wildcard : exact;
      const name = host.startsWith('*.') ? host.slice(2) : host;
      if (!target.has(name)) target.set(name, value);
    }
  }
  return { exact, wildcard, fallback: entries[0]?.value };
}

export function selectBySni<T>(index: SniIndex<T>, servername: string | undefined): T | undefined {
  if (servername === undefined || servername === '') return index.fallback;
  const name = servername.toLowerCase();
  const exact = index.exact.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  const wild = dot < 0 ? undefined : index.wildcard.get(name.slice(dot + 1));
  return wild ?? index.fallback;
}
