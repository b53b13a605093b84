/**
 * Wires monitoring to the running platform: its sources read the environments' supervisors and
 * routers; the monitor is served to the API through the MonitoringPort.
 */
import path from 'node:path';
import type { MonitoringPort } from '../api/monitoring-port.js';
import type { AlertRules } from '../monitoring/alerts.js';
import type { Monitor } from '../monitoring/monitor.js';
import type { Revision } from '../store/state-store.js';
import type { EnvironmentSample, InstanceSample, MonitoringSources } from '../monitoring/sources.js';
import { fetchRouteTable, fetchRouterMetrics } from '../router/admin-client.js';
import type { EnvironmentRegistry } from './environment-registry.js';
import type { EnvironmentRuntime } from './environment-runtime.js';

const routerTimeoutMs = 2_000;

function socketOf(runtime: EnvironmentRuntime): string {
  // Where RouterProcess puts the admin socket of the environment's router.
  return path.join(runtime.options.dataDir, 'routers', runtime.name, 'router.sock');
}

export function createMonitoringSources(environments: EnvironmentRegistry): MonitoringSources {
  return {
    environments: () => environments.all().map((runtime) => runtime.name),
    async sample(environment, options): Promise<EnvironmentSample> {
      const runtime = environments.get(environment);
      if (!runtime) return { environment, instances: [], desired: [], routerMetrics: null, routeTable: null };
      const socket = socketOf(runtime);
      const [instances, routerMetrics, table] = await Promise.all([
        Promise.all(runtime.supervisor.instances().map((record) => instanceSample(runtime, record, options.usage))),
        fetchRouterMetrics(socket, routerTimeoutMs).catch(() => null),
        fetchRouteTable(socket, routerTimeoutMs).catch(() => null),
      ]);
      const desired = (runtime.supervisor.desiredEnvironment()?.services ?? []).map((service) => ({
        service: service.name,
        release: service.release ?? 'none',
        instances: service.instances,
      }));
      const routeTable = table
        ? { routes: table.routes.length, backends: table.routes.reduce((sum, route) => sum + route.backends.length, 0) }
        : null;
      return { environment, instances, desired, routerMetrics, routeTable };
    },
    async routedInstances(environment, service) {
      const runtime = environments.get(environment);
      const desired = runtime?.supervisor.desiredService(service);
      if (!runtime || !desired || desired.routes.length === 0) return null;
      const table = await fetchRouteTable(socketOf(runtime), routerTimeoutMs).catch(() => null);
      if (!table) return null;
      return new Set(table.routes.filter((route) => route.service === service).flatMap((route) => route.backends.map((b) => b.id)));
    },
    async reconcileIdle(environment) {
      await environments.get(environment)?.supervisor.idle();
    },
  };
}

type SupervisedInstance = ReturnType<EnvironmentRuntime['supervisor']['instances']>[number];

async function instanceSample(runtime: EnvironmentRuntime, record: SupervisedInstance, usage: boolean): Promise<InstanceSample> {
  const handle = record.running?.handle ?? null;
  const measured = usage && handle ? await runtime.options.drivers[handle.driver].usage(handle).catch(() => null) : null;
  return {
    id: record.id,
    environment: record.environment,
    service: record.service,
    release: record.release,
    state: record.state,
    restarts: record.restarts,
    startedAt: record.running ? record.startedAt : null,
    cpuSeconds: measured?.cpuSeconds ?? null,
    rssBytes: measured?.rssBytes ?? null,
  };
}

/** The API's view of the monitor. */
export function monitoringPort(monitor: Monitor): MonitoringPort {
  return {
    metricsText: () => monitor.metricsText(),
    observeRequest: ({ method, route, status, seconds }) => monitor.observeRequest(method, route, status, seconds),
    alerts: () => monitor.alertList(),
    top: (environment) => monitor.top(environment),
    series: (query) => monitor.series(query),
  };
}

export function alertRulesOf(revision: Revision | null): AlertRules {
  // Revisions saved before alerts existed have neither key.
  return { alerts: revision?.spec.alerts ?? [], notify: revision?.spec.notify ?? [] };
}
