/**
 * Monitoring's sources over the running platform: each environment's observed instances and its
 * data plane's metrics and table, read through its provider; the monitor is served to the API
 * through the MonitoringPort.
 */
import type { MonitoringPort } from '../api/monitoring-port.js';
import type { ObservedInstance } from '../core/instance.js';
import type { RouteTls } from '../core/route-table.js';
import { describeCertificate } from '../edge/acme/certificate-state.js';
import type { AlertRules } from '../monitoring/alerts.js';
import type { Monitor } from '../monitoring/monitor.js';
import type { CertificateSample, EnvironmentSample, InstanceSample, MonitoringSources } from '../monitoring/sources.js';
import type { EnvironmentController } from '../reconcile/environment-controller.js';
import type { Revision } from '../store/state-store.js';
import type { EnvironmentRegistry } from './environment-registry.js';

/** `tls`: what an environment's routing table carries (its certificates' expiry is sampled). */
export function createMonitoringSources(environments: EnvironmentRegistry, tls: (environment: string) => RouteTls | undefined): MonitoringSources {
  return {
    environments: () => environments.all().map((runtime) => runtime.environment),
    async sample(environment, options): Promise<EnvironmentSample> {
      const runtime = environments.get(environment);
      if (!runtime) return { environment, instances: [], desired: [], routerMetrics: null, routeTable: null, certificates: [] };
      const [instances, routerMetrics, table] = await Promise.all([
        Promise.all(runtime.instances().map((instance) => instanceSample(runtime, instance, options.usage))),
        runtime.provider.dataPlaneMetrics().catch(() => null),
        runtime.provider.dataPlaneTable().catch(() => null),
      ]);
      const desired = (runtime.desiredEnvironment()?.services ?? []).map((service) => ({
        service: service.name,
        release: service.release ?? 'none',
        instances: service.instances,
      }));
      const routeTable = table
        ? { routes: table.routes.length, backends: table.routes.reduce((sum, route) => sum + route.backends.length, 0) }
        : null;
      const usageUnavailable = options.usage ? runtime.provider.usageUnavailable?.() : null;
      return {
        environment,
        instances,
        desired,
        routerMetrics,
        routeTable,
        certificates: certificateSamples(tls(environment)),
        ...(usageUnavailable ? { usageUnavailable } : {}),
      };
    },
    async routedInstances(environment, service) {
      const runtime = environments.get(environment);
      const desired = runtime?.desiredService(service);
      if (!runtime || !desired || desired.routes.length === 0) return null;
      const table = await runtime.provider.dataPlaneTable().catch(() => null);
      if (!table) return null;
      return new Set(table.routes.filter((route) => route.service === service).flatMap((route) => route.backends.map((b) => b.id)));
    },
    async reconcileIdle(environment) {
      await environments.get(environment)?.idle();
    },
  };
}

/** Every 2 s per environment: only the leaf's date is read (the pair was checked when it was loaded). */
function certificateSamples(tls: RouteTls | undefined): CertificateSample[] {
  return (tls?.certificates ?? []).map((certificate) => ({
    hosts: certificate.hosts,
    source: certificate.source,
    notAfter: Date.parse(describeCertificate(certificate.cert).notAfter),
  }));
}

async function instanceSample(runtime: EnvironmentController, instance: ObservedInstance, usage: boolean): Promise<InstanceSample> {
  const measured = usage && runtime.provider.capabilities.usage && instance.address ? await runtime.provider.usage(instance.id) : null;
  return {
    id: instance.id,
    environment: instance.environment,
    service: instance.service,
    release: instance.release,
    state: instance.state,
    restarts: instance.restarts,
    startedAt: instance.startedAt,
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
