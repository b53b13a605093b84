/** Value objects written in the spec as strings: durations (`500ms`, `2s`, `1m`) and byte sizes (`128Mi`). */

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses a duration to milliseconds; returns undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const unit = durationUnits[match[2] as string] as number;
  return Math.round(Number(match[1]) * unit);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}

const byteUnits: Record<string, number> = {
  '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3,
  KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3,
};
const bytePattern = /^(\d+(?:\.\d+)?)\s*([kKMG]i?B?|[KMG]B)?$/;

/** Parses a byte size (`512Mi`, `1G`, `1048576`) to bytes; returns undefined when the text is not one. */
export function parseByteSize(text: string): number | undefined {
  const match = bytePattern.exec(text.trim());
  if (!match) return undefined;
  const unit = byteUnits[match[2] ?? ''];
  if (unit === undefined) return undefined;
  return Math.round(Number(match[1]) * unit);
}
