/**
 * A router primary's succession, done by its workers: node:cluster workers outlive a primary
 * killed with SIGKILL and keep serving on the listening sockets they share. The one worker the
 * primary named starts a new router primary and hands it those very sockets as descriptors 3, 4, …
 * (no second bind, so no moment when the port refuses connections); every orphan serves on
 * until the successor answers on the admin socket, then drains and exits.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:net';
import { routerHealth } from './admin-client.js';

export interface SuccessorCommand {
  /** The arguments after `node`: the router script and its flags (with --inherit-listeners). */
  readonly argv: readonly string[];
  /** The primary's environment (a worker's has NODE_UNIQUE_ID, which would make the child a worker). */
  readonly env: Readonly<Record<string, string>>;
}

/** The descriptor of a listening server, on Unix. */
function listeningFd(server: Server): number | undefined {
  const fd = (server as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  return fd !== undefined && fd >= 0 ? fd : undefined;
}

/** Starts the successor primary on the servers' sockets, detached; returns its pid. */
export function spawnSuccessor(command: SuccessorCommand, servers: readonly Server[]): number {
  const fds = servers.map(listeningFd);
  if (fds.length === 0 || fds.some((fd) => fd === undefined)) throw new Error('a listening socket has no descriptor to hand over');
  const child = spawn(process.execPath, [...process.execArgv, ...command.argv], {
    detached: true,
    env: command.env,
    stdio: ['ignore', 'inherit', 'inherit', ...(fds as number[])],
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command.argv[0] ?? 'the router'}`);
  return child.pid;
}

/**
 * Waits until a primary other than `formerPid` answers on the admin socket (it does once its
 * workers listen) and returns its pid; null after `timeoutMs` or once `giveUp()` says so.
 */
export async function awaitSuccessor(
  adminSocket: string,
  formerPid: number,
  timeoutMs: number,
  giveUp: () => boolean = () => false,
): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !giveUp()) {
    const health = await routerHealth(adminSocket, 250);
    if (health !== null && health.pid !== formerPid) return health.pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return null;
}
