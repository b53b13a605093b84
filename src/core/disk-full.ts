/**
 * Running out of space is an expected condition, not a crash: the failed write is reported as
 * SKIFF_DISK_FULL naming where, and the caller carries on; the same request works once there is
 * room again.
 */
import { SkiffError } from './errors.js';

/** errno codes and SQLite result codes that mean "no room to write". */
const diskFullCodes = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** The error (or one of its causes) that says the disk is full, if any. */
export function findDiskFull(error: unknown): (Error & { path?: string }) | null {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (diskFullCodes.has(codeOf(current) as string)) return current as Error & { path?: string };
    current = current.cause;
  }
  return null;
}

/** SKIFF_DISK_FULL for an error caused by a full disk, else null. `where` names the place when the error does not. */
export function diskFullError(error: unknown, where: string): SkiffError | null {
  const full = findDiskFull(error);
  if (full === null) return null;
  const place = typeof full.path === 'string' ? full.path : where;
  return new SkiffError('SKIFF_DISK_FULL', `no space left on the disk holding ${place}`, {
    path: place,
    hint: 'free space on that disk (df -h shows it); Skiff keeps serving, and the same request works once there is room',
    cause: error,
  });
}
