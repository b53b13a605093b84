/**
 * End-to-end stories of monitoring: the real `skiff up`, real processes, real HTTP on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { echoSpec, runLoad, startPlatform, waitFor, waitForReady, waitForRouted } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

function promtoolAvailable(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** The sum of the samples of `name` whose labels include `labels`; undefined when none does. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('GET /metrics on the control plane', () => {
  it('exposes instances, Skiff itself and the router in one scrape that promtool accepts', async () => {
    platform = await startPlatform({ spec: echoSpec() });
    const instances = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', instances);
    const before = await (await fetch(`${platform.apiUrl}/metrics`)).text();
    const routedBefore = sampleValue(before, 'skiff_router_requests_total', { service: 'echo', environment: 'dev' }) ?? 0;
    const load = await runLoad(`${platform.routerUrl}/echo/hi`, { durationMs: 5_000, connections: 2, maxRequests: 50 });
    expect(load.failed).toBe(0);
    await (await fetch(`${platform.apiUrl}/api/v1/environments/dev/status`)).text();

    const text = await waitFor('the scrape to show the traffic', async () => {
      const response = await fetch(`${platform!.apiUrl}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const body = await response.text();
      const requests = sampleValue(body, 'skiff_router_requests_total', { service: 'echo', environment: 'dev' });
      return requests !== undefined && requests >= routedBefore + 50 ? body : null;
    });
    for (const instance of instances) {
      expect(sampleValue(text, 'skiff_instance_state', { instance: instance.id, state: 'ready' })).toBe(1);
      expect(sampleValue(text, 'skiff_instance_state', { instance: instance.id, state: 'crashed' })).toBe(0);
      expect(sampleValue(text, 'skiff_instance_resident_memory_bytes', { instance: instance.id })).toBeGreaterThan(1_000_000);
      expect(sampleValue(text, 'skiff_instance_cpu_seconds_total', { instance: instance.id })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(text, 'skiff_instance_restarts_total', { instance: instance.id })).toBe(0);
      expect(sampleValue(text, 'skiff_instance_uptime_seconds', { instance: instance.id })).toBeGreaterThan(0);
    }
    expect(sampleValue(text, 'skiff_router_requests_total', { service: 'echo', environment: 'dev' })).toBe(routedBefore + 50);
    expect(sampleValue(text, 'skiff_router_responses_total', { service: 'echo', code: '2xx' })).toBe(routedBefore + 50);
    expect(sampleValue(text, 'skiff_route_table_backends', { environment: 'dev' })).toBe(2);
    expect(sampleValue(text, 'skiff_service_desired_instances', { service: 'echo' })).toBe(2);
    expect(sampleValue(text, 'skiff_reconcile_duration_seconds_count', { environment: 'dev' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'skiff_route_propagation_delay_seconds_count', { environment: 'dev' })).toBe(2);
    expect(sampleValue(text, 'skiff_api_request_duration_seconds_count', { route: '/api/v1/environments/:env/status', code: '2xx' })).toBeGreaterThanOrEqual(1);

    if (!promtoolAvailable()) {
      if (process.env['CI']) throw new Error('promtool is missing in CI: install the Debian package prometheus');
      console.warn('SKIPPING promtool check: promtool not installed (apt-get install prometheus)');
      return;
    }
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe('');
    expect(checked.status).toBe(0);
  });
});
