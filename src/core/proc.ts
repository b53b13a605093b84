/** Readers for Linux /proc: process state, start time and usage, without spawning `ps`. */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * USER_HZ, the unit of the times in /proc/PID/stat. The kernel fixes it at 100 on every mainstream
 * Linux ABI (x86, arm, arm64, riscv), whatever CONFIG_HZ is.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcStat {
  readonly pid: number;
  /** R running, S sleeping, D disk wait, Z zombie, T stopped, X dead, … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  /** Clock ticks since boot when the process started: with the pid, it names one process. */
  readonly startTime: number;
}

/** Parses /proc/PID/stat. The command name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const state = rest[0];
  const startTime = field(22);
  if (!Number.isInteger(pid) || state === undefined || !Number.isFinite(startTime)) return null;
  return {
    pid,
    state,
    ppid: field(4),
    pgrp: field(5),
    utimeTicks: field(14),
    stimeTicks: field(15),
    startTime,
  };
}

export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function readProcStatSync(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** True for a process that has ended but whose parent has not reaped it yet. */
export function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

/** The live processes with `arg` as one whole argument of their command line (a socket path, say). */
export function processesWithArgument(arg: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(arg)) continue;
    } catch {
      continue; // Exited meanwhile.
    }
    const stat = readProcStatSync(Number(name));
    if (stat !== null && !isDeadState(stat.state)) found.push(stat.pid);
  }
  return found;
}

/** Live processes whose environment holds exactly the entry `NAME=value` (readable ones: ours). */
export function processesWithEnv(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry)) continue;
    } catch {
      continue; // Exited meanwhile, or not ours to read.
    }
    const stat = readProcStatSync(Number(name));
    if (stat !== null && !isDeadState(stat.state)) found.push(stat.pid);
  }
  return found;
}

/** Whether the process `pid` that started at `startTime` is still running (not gone, not reused, not a zombie). */
export async function isProcessRunning(pid: number, startTime: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== null && stat.startTime === startTime && !isDeadState(stat.state);
}

/** Resident memory in bytes from /proc/PID/status (VmRSS), or null when it cannot be read. */
export async function readRssBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    // Kernel threads and zombies have no VmRSS line.
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return null;
  }
}
