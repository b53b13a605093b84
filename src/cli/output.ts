/** Printing helpers: errors in the one CLI form, aligned tables, short ages. */
import { formatErrorDetail, isSkiffError } from '../core/errors.js';

/** `error: <message> [CODE]`, each detail, then the hint; a stack only for unexpected errors. */
export function formatError(error: unknown): string[] {
  if (isSkiffError(error)) {
    const lines = [`error: ${error.message} [${error.code}]`];
    for (const detail of error.details) lines.push(`  ${formatErrorDetail(detail)}`);
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    return lines;
  }
  if (error instanceof Error) return [`error: ${error.stack ?? error.message}`];
  return [`error: ${String(error)}`];
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** `45s`, `12m`, `3h`, `5d`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export const dash = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === '' ? '-' : String(value);

/** `2024-05-01 12:00:03` from an ISO time, in UTC like the server's records. */
export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

/** `sha256:` and the first 12 hex characters: enough to tell artifacts apart and to deploy by. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/** `512 B`, `1.5 KiB`, `23.4 MiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
