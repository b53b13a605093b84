/**
 * What must survive a fault: the saved desired state (revisions, releases, secrets, artifacts) as
 * the API reports it, and the rule that every instance process Skiff started is in status or gone.
 */
import { waitFor } from '../e2e/platform.js';
import type { Platform } from '../e2e/platform.js';
import { instanceProcesses } from './processes.js';

export interface SavedState {
  readonly revisions: readonly number[];
  readonly releases: readonly string[];
  readonly secrets: readonly string[];
  readonly artifacts: readonly string[];
}

async function json<T>(platform: Platform, apiPath: string): Promise<T> {
  const response = await platform.fetch(apiPath);
  if (!response.ok) throw new Error(`${apiPath}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function savedState(platform: Platform, service: string, environment = 'dev'): Promise<SavedState> {
  const servicePath = `/api/v1/environments/${environment}/services/${service}`;
  const revisions = await json<{ id: number }[]>(platform, '/api/v1/revisions?limit=1000');
  const releases = await json<{ version: string; configHash: string }[]>(platform, `${servicePath}/releases`);
  const secrets = await json<{ name: string; version: number }[]>(platform, `${servicePath}/secrets`);
  const artifacts = await json<{ digest?: string; version?: string }[]>(platform, `/api/v1/services/${service}/artifacts`);
  return {
    revisions: revisions.map((r) => r.id).sort((a, b) => a - b),
    releases: releases.map((r) => `${r.version}:${r.configHash}`).sort(),
    secrets: secrets.map((s) => `${s.name}@${s.version}`).sort(),
    artifacts: artifacts.map((a) => a.digest ?? a.version ?? JSON.stringify(a)).sort(),
  };
}

/** The parts of `before` missing or changed in `after`; an empty list when the state is intact. */
export function lostState(before: SavedState, after: SavedState): string[] {
  const lost: string[] = [];
  for (const key of ['revisions', 'releases', 'secrets', 'artifacts'] as const) {
    const kept = new Set<string | number>(after[key]);
    const missing = before[key].filter((item) => !kept.has(item));
    if (missing.length > 0) lost.push(`${key} lost: ${missing.join(', ')}`);
  }
  return lost;
}

/** Instance processes of the platform that its status does not list (by pid). */
export async function processesOutsideStatus(platform: Platform, environment = 'dev'): Promise<string[]> {
  const status = await platform.status(environment);
  const listed = new Set(status.instances.map((i) => i.pid).filter((pid): pid is number => pid !== null));
  return instanceProcesses(platform)
    .filter((found) => !listed.has(found.pid))
    .map((found) => `${found.instanceId} (pid ${found.pid})`);
}

/**
 * Waits until the service runs `count` ready instances, every instance process is one status
 * lists and status lists no more; returns the processes still outside status when it times out.
 */
export async function settled(platform: Platform, service: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  try {
    await waitFor(
      `${count} ready ${service} instances and no instance process outside status`,
      async () => {
        const status = await platform.status();
        const mine = status.instances.filter((i) => i.service === service);
        const ready = mine.length === count && mine.every((i) => i.state === 'ready');
        const rollout = status.services.find((s) => s.name === service) as { rollout?: { active?: boolean } | null } | undefined;
        return ready && !rollout?.rollout?.active && (await processesOutsideStatus(platform)).length === 0 && instanceProcesses(platform).length === status.instances.length;
      },
      timeoutMs,
    );
    return [];
  } catch {
    const outside = await processesOutsideStatus(platform).catch((error: unknown) => [`status unavailable: ${String(error)}`]);
    return outside.length > 0 ? outside : [`not settled: ${JSON.stringify((await platform.status().catch(() => null))?.instances ?? null)}`];
  }
}
