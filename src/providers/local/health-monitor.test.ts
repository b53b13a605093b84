/**
 * The health monitor probing a real HTTP server on 127.0.0.1 for an instance of the fake driver:
 * the verdicts it hands up for readiness, liveness and the start grace.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InstanceState } from '../../core/instance.js';
import { createFakeDriver } from '../../drivers/fake/fake-driver.js';
import type { HealthVerdict } from '../../reconcile/health.js';
import { desiredService } from '../../reconcile/testing/deployments.js';
import type { Probe } from '../../spec/schema.js';
import { freePort } from './free-port.js';
import { monitorHealth } from './health-monitor.js';
import { newInstanceRecord } from './instance-record.js';
import { PortServers } from './testing/local-harness.js';

const servers = new PortServers();
const monitors: AbortController[] = [];
afterEach(async () => {
  for (const monitor of monitors.splice(0)) monitor.abort();
  await servers.closeAll();
});

const probe = (extra: Partial<Probe>): Probe => ({
  interval: 20,
  timeout: 500,
  successThreshold: 1,
  failureThreshold: 3,
  startGrace: 60_000,
  ...extra,
});

/** Starts monitoring an instance in `state` on a free port; returns the port and the verdicts handed up. */
async function monitor(options: {
  readonly state: InstanceState;
  readonly readiness?: Probe;
  readonly liveness?: Probe;
  /** How long ago the instance started. */
  readonly startedAgoMs?: number;
  /** The port answers from the first probe on, with these statuses by path (others 200). */
  readonly answers?: Readonly<Record<string, number>>;
}): Promise<{ port: number; verdicts: HealthVerdict[] }> {
  const port = await freePort(new Set());
  if (options.answers) await servers.answer(port, options.answers);
  const record = newInstanceRecord({ id: 'web-1', environment: 'dev', desired: desiredService('v1'), ordinal: 1, port });
  const running = await createFakeDriver().start({
    instanceId: record.id,
    service: 'web',
    environment: 'dev',
    release: 'v1',
    directory: '/srv/web',
    command: ['node', 'server.js'],
    env: {},
    port,
    resources: {},
    logDir: '/tmp/skiff-logs',
  });
  record.running = running;
  record.state = options.state;
  record.startedAt = Date.now() - (options.startedAgoMs ?? 0);
  if (options.state === 'ready') record.readyAt = record.startedAt;
  const verdicts: HealthVerdict[] = [];
  const abort = new AbortController();
  monitors.push(abort);
  monitorHealth(record, running, abort.signal, {
    probes: () => ({ readiness: options.readiness, liveness: options.liveness }),
    now: () => Date.now(),
    onVerdict: (verdict) => verdicts.push(verdict),
  });
  return { port, verdicts };
}

const changes = (verdicts: readonly HealthVerdict[]): HealthVerdict[] => verdicts.filter((verdict) => verdict.kind !== 'unchanged');
const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 10_000, interval: 5 });

describe('monitorHealth', () => {
  it('hands up a ready verdict once the readiness probe passes', async () => {
    const { port, verdicts } = await monitor({ state: 'starting', readiness: probe({ http: '/healthz' }) });
    // Nothing listens yet: the probes fail and nothing changes.
    await waitFor(() => expect(verdicts.length).toBeGreaterThanOrEqual(2));
    expect(changes(verdicts)).toEqual([]);
    await servers.answer(port);
    await waitFor(() => expect(changes(verdicts)[0]).toEqual({ kind: 'state', state: 'ready', reason: 'readiness probe passed' }));
  });

  it('calls a ready instance unhealthy only after its HTTP probe failed failureThreshold times in a row, with the answer', async () => {
    const { verdicts } = await monitor({ state: 'ready', readiness: probe({ http: '/healthz', failureThreshold: 3 }), answers: { '/healthz': 500 } });
    await waitFor(() => expect(changes(verdicts)).not.toEqual([]));
    const first = verdicts.findIndex((verdict) => verdict.kind !== 'unchanged');
    expect(first).toBe(2);
    expect(verdicts[first]).toEqual({ kind: 'state', state: 'unhealthy', reason: 'readiness probe failed 3 times: GET /healthz answered 500' });
  });

  it('asks to replace an instance whose liveness probe fails, while its readiness still passes', async () => {
    const { verdicts } = await monitor({
      state: 'ready',
      readiness: probe({ http: '/ready' }),
      liveness: probe({ http: '/live', failureThreshold: 2 }),
      answers: { '/live': 503 },
    });
    await waitFor(() => expect(changes(verdicts)).toContainEqual({ kind: 'replace', reason: 'liveness probe failed 2 times: GET /live answered 503' }));
    expect(changes(verdicts).filter((verdict) => verdict.kind === 'state')).toEqual([]);
  });

  it('asks to replace a starting instance that did not pass within its start grace, and not one still within it', async () => {
    const late = await monitor({ state: 'starting', readiness: probe({ tcp: true, startGrace: 500 }), startedAgoMs: 1000 });
    const young = await monitor({ state: 'starting', readiness: probe({ tcp: true, startGrace: 60_000 }) });
    await waitFor(() => expect(changes(late.verdicts)).toContainEqual({ kind: 'replace', reason: 'not ready within the start grace of 500ms' }));
    await waitFor(() => expect(young.verdicts.length).toBeGreaterThanOrEqual(6));
    expect(changes(young.verdicts)).toEqual([]);
  });
});
