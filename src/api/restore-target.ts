/**
 * What `restore --to` accepts: a revision id, or an ISO 8601 time with its zone. The API and the
 * CLI parse it the same way, so a malformed target is refused before anything is asked of the
 * control plane, which gets it back in one canonical form: digits, or `Date#toISOString()`.
 */
export type RestoreTarget = { readonly kind: 'revision'; readonly id: number } | { readonly kind: 'time'; readonly time: string };

export type ParsedRestoreTarget =
  | { readonly ok: true; readonly target: RestoreTarget; readonly canonical: string }
  | { readonly ok: false; readonly message: string };

// A zone is required: a time without one means something different on the server and the laptop.
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const acceptedForms = 'a revision id such as 12, or an ISO 8601 time with its zone such as 2026-11-26T10:00:00Z';

export function parseRestoreTarget(text: string): ParsedRestoreTarget {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const id = Number(value);
    if (!Number.isSafeInteger(id) || id < 1) return { ok: false, message: `revision ids start at 1; expected ${acceptedForms}` };
    return { ok: true, target: { kind: 'revision', id }, canonical: String(id) };
  }
  if (!isoTime.test(value)) {
    const hint = /^\d{4}-\d{2}-\d{2}(T[\d:.]+)?$/.test(value) ? ' (add the zone, e.g. Z for UTC)' : '';
    return { ok: false, message: `"${value}" is not ${acceptedForms}${hint}` };
  }
  const ms = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March; a date that does not exist is a typo.
  if (Number.isNaN(ms) || !sameCalendarDay(value, ms)) return { ok: false, message: `"${value}" is not a valid time` };
  const time = new Date(ms).toISOString();
  return { ok: true, target: { kind: 'time', time }, canonical: time };
}

function sameCalendarDay(value: string, ms: number): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const zone = value.match(/(Z|[+-]\d{2}:\d{2})$/i)?.[0] ?? 'Z';
  const offsetMinutes = zone.toUpperCase() === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const local = new Date(ms + offsetMinutes * 60_000);
  return local.getUTCFullYear() === year && local.getUTCMonth() + 1 === month && local.getUTCDate() === day;
}
