/**
 * A running container instance, started by this control plane or adopted after a restart: the
 * exit comes from the engine's wait, OOM from the container state, and once it has ended and its
 * logs are copied the container is removed.
 */
import type Docker from 'dockerode';
import { sleep } from '../../core/clock.js';
import type { InstanceExit, InstanceHandle, RunningInstance } from '../driver.js';
import { exitFromStatus } from './container-spec.js';
import { engineStatusCode } from './engine.js';
import type { LogPump } from './log-pump.js';

const POLL_INTERVAL_MS = 250;
/** How long the end of the logs may take to arrive after the container stopped. */
const LOG_DRAIN_MS = 2000;

/**
 * The engine's status code once the container is not running; null when it is gone. When the
 * wait request fails (the engine restarted, the connection broke), the state is polled instead.
 */
async function waitForEnd(container: Docker.Container): Promise<number | null> {
  try {
    const result = (await container.wait({ condition: 'not-running' })) as { StatusCode?: number };
    if (typeof result.StatusCode === 'number') return result.StatusCode;
  } catch (error) {
    if (engineStatusCode(error) === 404) return null;
  }
  for (;;) {
    try {
      const info = await container.inspect();
      if (!info.State.Running) return info.State.ExitCode;
    } catch (error) {
      if (engineStatusCode(error) === 404) return null;
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function oomKilled(container: Docker.Container): Promise<boolean> {
  try {
    return (await container.inspect()).State.OOMKilled;
  } catch {
    return false;
  }
}

async function removeQuietly(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch {
    // already removed (by the other watcher of an adopted container, or by hand)
  }
}

/** `input`: the container's standard input, attached before it started (a one-off command's). */
export function runningContainer(docker: Docker, handle: InstanceHandle & { containerId: string }, pump: LogPump, input?: NodeJS.ReadWriteStream): RunningInstance {
  const container = docker.getContainer(handle.containerId);
  const exited: Promise<InstanceExit> = (async () => {
    const statusCode = await waitForEnd(container);
    const exit = exitFromStatus(statusCode, await oomKilled(container));
    const abort = new AbortController();
    const drained = await Promise.race([pump.done.then(() => true), sleep(LOG_DRAIN_MS, abort.signal).then(() => false)]);
    abort.abort();
    if (!drained) pump.stop();
    await removeQuietly(container);
    // The connection of its input is of no use once it ended (a caller may never have ended it).
    (input as Partial<Pick<NodeJS.ReadStream, 'destroy'>> | undefined)?.destroy?.();
    return exit;
  })();
  let settled = false;
  void exited.then(() => {
    settled = true;
  });
  let stopping: Promise<InstanceExit> | undefined;

  async function stop(graceMs: number): Promise<InstanceExit> {
    if (settled) return exited;
    try {
      // The engine's stop takes whole seconds: the grace is rounded up, never cut short.
      await container.stop({ t: Math.ceil(Math.max(0, graceMs) / 1000) });
    } catch (error) {
      // 304: already stopped; 404: already removed. Either way `exited` settles.
      const status = engineStatusCode(error);
      if (status !== 304 && status !== 404) throw error;
    }
    return exited;
  }

  let killAt = Infinity;

  /** A later stop asked for less grace than the one under way: the kill comes sooner. */
  async function killAfter(graceMs: number): Promise<void> {
    const abort = new AbortController();
    const inTime = await Promise.race([exited.then(() => true), sleep(graceMs, abort.signal).then(() => false)]);
    abort.abort();
    if (inTime) return;
    // 404: already removed; 409: no longer running. Either way `exited` settles.
    await container.kill().catch(() => undefined);
  }

  return {
    handle,
    exited,
    ...(input ? { stdin: input } : {}),
    stop(graceMs) {
      const at = Date.now() + graceMs;
      if (!stopping) {
        stopping = stop(graceMs).catch((error: unknown) => {
          // The engine could not be asked (it is down): a later stop may try again.
          stopping = undefined;
          killAt = Infinity;
          throw error;
        });
      } else if (at < killAt && !settled) {
        void killAfter(graceMs);
      }
      killAt = Math.min(killAt, at);
      return stopping;
    },
  };
}
