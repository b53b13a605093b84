/**
 * The instance lifecycle's dependencies for tests: the harness's store, events and fake driver (as
 * `process`), a fixed clock, and hooks that record what they were called with, in order:
 * `routesChanged`, `reconcile SERVICE`, `drain HOST:PORT`.
 */
import pino from 'pino';
import type { InstanceAddress } from '../../../core/instance.js';
import { createDrivers } from '../../../drivers/registry.js';
import { testBaseEnv } from '../../../drivers/testing/fixtures.js';
import type { DesiredService } from '../../../spec/desired.js';
import type { InstanceLifecycleDeps } from '../instance-lifecycle.js';
import type { LocalHarness } from './local-harness.js';

/** The clock's fixed time: crash times and backoff deadlines are exact, and no start grace ever passes. */
export const lifecycleNow = 1_000_000;

export function lifecycleDeps(h: LocalHarness, desired: DesiredService, calls: string[], overrides: Partial<InstanceLifecycleDeps> = {}): InstanceLifecycleDeps {
  return {
    environment: 'dev',
    dataDir: h.dataDir,
    store: h.store,
    drivers: createDrivers({ dataDir: h.dataDir, baseEnv: testBaseEnv, overrides: { process: h.fake } }),
    clock: { now: () => lifecycleNow },
    random: () => 0.5,
    routerUrl: 'http://127.0.0.1:1',
    logger: pino({ level: 'silent' }),
    emit: (event) => h.events.push(event),
    routesChanged: async () => void calls.push('routesChanged'),
    prepare: async () => ({ directory: h.dataDir }),
    secretEnv: async () => ({}),
    drain: async (address: InstanceAddress) => void calls.push(`drain ${address.host}:${address.port}`),
    desiredService: (service) => (service === desired.name ? desired : undefined),
    drainTimeoutMs: () => 1000,
    reconcile: (service) => void calls.push(`reconcile ${service}`),
    ...overrides,
  };
}
