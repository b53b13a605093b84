/** A bounded load through a router for the rollout stories: concurrent GET loops counting failures and the version that answered. */
import type { LoadResult } from './platform.js';

export function summary(load: LoadResult): string {
  return `${load.failed} of ${load.total} failed: ${load.failures.join('; ')}`;
}

export interface Load extends LoadResult {
  /** Answers per VERSION of the service. */
  byVersion: Record<string, number>;
}

/**
 * Concurrent keep-alive GET loops through the router until `stop()` (or `maxMs`, or `maxRequests`),
 * counting failed requests and the version that answered each.
 */
export function startLoad(url: string, options: { connections?: number; maxMs?: number; maxRequests?: number; paths?: readonly string[] } = {}) {
  const result: Load = { total: 0, failed: 0, failures: [], byInstance: {}, byVersion: {} };
  const deadline = Date.now() + (options.maxMs ?? 60_000);
  const max = options.maxRequests ?? 100_000;
  const paths = options.paths ?? [''];
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped && Date.now() < deadline && result.total < max) {
      const target = `${url}${paths[result.total % paths.length]}`;
      result.total += 1;
      try {
        const response = await fetch(target, { signal: AbortSignal.timeout(5000) });
        const text = await response.text();
        if (response.status !== 200) {
          result.failed += 1;
          if (result.failures.length < 10) result.failures.push(`${response.status} ${text.slice(0, 120)}`);
          continue;
        }
        const body = JSON.parse(text) as { version?: string; instance?: string };
        if (body.version) result.byVersion[body.version] = (result.byVersion[body.version] ?? 0) + 1;
        if (body.instance) result.byInstance[body.instance] = (result.byInstance[body.instance] ?? 0) + 1;
      } catch (error) {
        result.failed += 1;
        if (result.failures.length < 10) result.failures.push(String(error));
      }
    }
  };
  const loops = Promise.all(Array.from({ length: options.connections ?? 4 }, loop));
  return {
    result,
    async stop(): Promise<Load> {
      stopped = true;
      await loops;
      return result;
    },
    /** Waits for the load to end by itself (its time or request bound). */
    async finished(): Promise<Load> {
      await loops;
      return result;
    },
  };
}
