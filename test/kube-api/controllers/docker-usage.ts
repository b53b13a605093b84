/** A container's usage from the engine's stats, in metrics-server's terms (cores over a window, working set). */
import type Docker from 'dockerode';
import type { ContainerUsage } from './pod-runtime.js';

/** Null when the container is gone or the engine has no earlier read to measure against. */
export async function containerUsage(docker: Docker, name: string, containerId: string): Promise<ContainerUsage | null> {
  try {
    // Not one-shot: the engine reads twice about a second apart, so precpu_stats is filled.
    const stats = (await docker.getContainer(containerId).stats({ stream: false })) as Docker.ContainerStats & { preread?: string };
    const windowSeconds = (Date.parse(stats.read) - Date.parse(stats.preread ?? '')) / 1000;
    if (!(windowSeconds > 0)) return null;
    const cpuSeconds = (stats.cpu_stats.cpu_usage.total_usage - stats.precpu_stats.cpu_usage.total_usage) / 1e9;
    const memory = stats.memory_stats;
    const inner = (memory.stats ?? {}) as Record<string, number | undefined>;
    // The working set, as the kubelet reports it: usage less the inactive page cache.
    const memoryBytes = Math.max(0, (memory.usage ?? 0) - (inner.total_inactive_file ?? inner.inactive_file ?? 0));
    return { name, cpuCores: Math.max(0, cpuSeconds / windowSeconds), memoryBytes, windowSeconds };
  } catch {
    return null;
  }
}
