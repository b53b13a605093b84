/** Formatting for people: ages, digests, rates. Pure, so it is tested in node. */

/** `42s`, `5m`, `3h`, `2d`; `-` without a time. */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** `sha256:0123456789ab` from a full digest; `source` when there is none. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return 'source';
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

export function perSecond(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return value >= 100 ? `${Math.round(value)}/s` : `${Number(value.toFixed(value >= 10 ? 1 : 2))}/s`;
}

/** A ratio 0..1 as a percentage. */
export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '-';
  const value = ratio * 100;
  return `${value === 0 ? 0 : Number(value.toFixed(value < 1 ? 2 : 1))}%`;
}

/** Seconds as ms or s. */
export function latency(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  return seconds < 1 ? `${Number((seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0))}ms` : `${Number(seconds.toFixed(2))}s`;
}

export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

/** `in 42s`, `in 5m`; `now` for a time already reached; `-` without a time. */
export function fromNow(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const ms = Date.parse(iso) - now;
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return 'now';
  return `in ${age(new Date(now).toISOString(), now + ms)}`;
}
