/**
 * One server per data directory: `server.json` names the live owner (pid, start time, API port).
 * The file is created whole and exclusively (written under a private name, then hard-linked into
 * place, which fails if it exists), so of servers starting together exactly one claims the
 * directory. A claim whose owner is gone is moved aside by rename, which only one of them can do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createFileDurablySync } from '../core/durable-file.js';
import { SkiffError } from '../core/errors.js';
import { isDeadState, readProcStatSync } from '../core/proc.js';

export interface DataDirClaim {
  /** Gives the directory up (at shutdown). */
  release(): void;
}

interface Owner {
  readonly pid: number;
  readonly startTime: number;
  readonly apiPort: number;
}

function readOwner(file: string): { text: string; owner: Owner | null } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<Owner>;
    if (typeof owner.pid === 'number' && typeof owner.startTime === 'number') return { text, owner: owner as Owner };
  } catch {
    // not a claim: treated as stale
  }
  return { text, owner: null };
}

function isLive(owner: Owner): boolean {
  const stat = readProcStatSync(owner.pid);
  return stat !== null && !isDeadState(stat.state) && stat.startTime === owner.startTime;
}

/** Moves a stale claim aside; false when what was moved turned out to be someone's new claim (it is put back). */
function removeStale(file: string, staleText: string): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    // Someone else moved it first: try again from the top.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = fs.readFileSync(aside, 'utf8');
  if (moved !== staleText) {
    // A live claim made between our read and our rename: give it back (link fails only if yet another was made).
    try {
      fs.linkSync(aside, file);
    } catch {
      // a newer claim is in place; ours is lost either way
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

function alreadyRunning(dataDir: string, owner: Owner | null): SkiffError {
  return new SkiffError(
    'SKIFF_ALREADY_RUNNING',
    owner ? `a Skiff server (pid ${owner.pid}) already runs with ${dataDir}` : `another Skiff server is starting with ${dataDir}`,
    { hint: `stop it with \`skiff stop\`${owner ? ` (API port ${owner.apiPort})` : ''}, or use another --data directory`, path: dataDir },
  );
}

/**
 * Creates the data directory readable by its owner only, and makes what this process creates
 * under it private too (umask 077: the database, logs, artifacts, keys and tokens). An existing
 * directory is narrowed to 0700, which also closes whatever older files lie below it.
 */
export function makeDataDirPrivate(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  process.umask(0o077);
}

export function claimDataDir(options: { readonly dataDir: string; readonly apiPort: number }): DataDirClaim {
  const file = path.join(options.dataDir, 'server.json');
  const startTime = readProcStatSync(process.pid)?.startTime ?? 0;
  const text = JSON.stringify({ pid: process.pid, startTime, apiPort: options.apiPort });
  // Bounded: each round either claims, meets a live owner, or removes one stale claim.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (createFileDurablySync(file, text, 0o600)) return { release: () => releaseIfOurs(file, text) };
    const current = readOwner(file);
    if (current === null) continue;
    if (current.owner && isLive(current.owner) && current.owner.pid !== process.pid) throw alreadyRunning(options.dataDir, current.owner);
    if (!removeStale(file, current.text)) throw alreadyRunning(options.dataDir, null);
  }
  throw alreadyRunning(options.dataDir, null);
}

function releaseIfOurs(file: string, text: string): void {
  if (readOwner(file)?.text === text) fs.rmSync(file, { force: true });
}
