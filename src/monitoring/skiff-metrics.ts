/**
 * The control plane's own metrics in a prom-client registry of its own (never the global one):
 * per instance usage and state, reconcile and API latency, routing-table size and propagation.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { instanceStates } from './sources.js';
import type { EnvironmentSample } from './sources.js';

const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SkiffMetrics {
  readonly registry = new Registry();
  // Counters set from the driver's totals: reset, then increased by the total, at every scrape.
  private readonly cpu = new Counter({
    name: 'skiff_instance_cpu_seconds_total',
    help: 'CPU time used by the instance process tree since it started.',
    labelNames: ['environment', 'service', 'release', 'instance'] as const,
    registers: [this.registry],
  });
  private readonly memory = new Gauge({
    name: 'skiff_instance_resident_memory_bytes',
    help: 'Resident memory of the instance process tree.',
    labelNames: ['environment', 'service', 'release', 'instance'] as const,
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'skiff_instance_restarts_total',
    help: 'Times the supervisor restarted the instance.',
    labelNames: ['environment', 'service', 'release', 'instance'] as const,
    registers: [this.registry],
  });
  private readonly uptime = new Gauge({
    name: 'skiff_instance_uptime_seconds',
    help: 'Seconds since the instance process started (0 when not running).',
    labelNames: ['environment', 'service', 'release', 'instance'] as const,
    registers: [this.registry],
  });
  private readonly state = new Gauge({
    name: 'skiff_instance_state',
    help: '1 for the state the instance is in, 0 for the others.',
    labelNames: ['environment', 'service', 'release', 'instance', 'state'] as const,
    registers: [this.registry],
  });
  private readonly desired = new Gauge({
    name: 'skiff_service_desired_instances',
    help: 'Instances the spec asks for.',
    labelNames: ['environment', 'service'] as const,
    registers: [this.registry],
  });
  private readonly ready = new Gauge({
    name: 'skiff_service_ready_instances',
    help: 'Instances ready to serve.',
    labelNames: ['environment', 'service'] as const,
    registers: [this.registry],
  });
  private readonly routes = new Gauge({
    name: 'skiff_route_table_routes',
    help: 'Routes in the table the router has now.',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  private readonly backends = new Gauge({
    name: 'skiff_route_table_backends',
    help: 'Backends (ready instances on routes) in the table the router has now.',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  private readonly routerUp = new Gauge({
    name: 'skiff_router_up',
    help: '1 when the environment router answered the metrics scrape.',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  private readonly certificateExpiry = new Gauge({
    name: 'skiff_certificate_expiry_timestamp_seconds',
    help: "When the certificate the environment's router serves for the host expires (Unix time); source is file or acme.",
    labelNames: ['environment', 'host', 'source'] as const,
    registers: [this.registry],
  });
  private readonly reconcile = new Histogram({
    name: 'skiff_reconcile_duration_seconds',
    help: "Time from a change of desired or observed state to the environment's reconcile queue going idle.",
    labelNames: ['environment', 'trigger'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly propagation = new Histogram({
    name: 'skiff_route_propagation_delay_seconds',
    help: "Time from an instance becoming ready to the router's table routing to it.",
    labelNames: ['environment'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly api = new Histogram({
    name: 'skiff_api_request_duration_seconds',
    help: 'API requests by route template, method and status class.',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly alertDeliveries = new Counter({
    name: 'skiff_alert_deliveries_total',
    help: 'Webhook delivery attempts of alert notifications, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Replaces the per-instance and per-environment gauges with the samples' values. */
  setSamples(samples: readonly EnvironmentSample[], now: number): void {
    for (const gauge of [this.cpu, this.memory, this.restarts, this.uptime, this.state, this.desired, this.ready, this.routes, this.backends, this.routerUp, this.certificateExpiry]) {
      gauge.reset();
    }
    for (const sample of samples) {
      const environment = sample.environment;
      for (const certificate of sample.certificates) {
        for (const host of certificate.hosts) this.certificateExpiry.set({ environment, host, source: certificate.source }, Math.floor(certificate.notAfter / 1000));
      }
      for (const instance of sample.instances) {
        const labels = { environment, service: instance.service, release: instance.release, instance: instance.id };
        if (instance.cpuSeconds !== null) this.cpu.inc(labels, instance.cpuSeconds);
        if (instance.rssBytes !== null) this.memory.set(labels, instance.rssBytes);
        this.restarts.inc(labels, instance.restarts);
        this.uptime.set(labels, instance.startedAt === null ? 0 : Math.max(0, (now - instance.startedAt) / 1000));
        for (const state of instanceStates) this.state.set({ ...labels, state }, instance.state === state ? 1 : 0);
      }
      for (const desired of sample.desired) {
        this.desired.set({ environment, service: desired.service }, desired.instances);
        const ready = sample.instances.filter((i) => i.service === desired.service && i.state === 'ready').length;
        this.ready.set({ environment, service: desired.service }, ready);
      }
      this.routerUp.set({ environment }, sample.routerMetrics === null ? 0 : 1);
      if (sample.routeTable) {
        this.routes.set({ environment }, sample.routeTable.routes);
        this.backends.set({ environment }, sample.routeTable.backends);
      }
    }
  }

  observeReconcile(environment: string, trigger: string, seconds: number): void {
    this.reconcile.observe({ environment, trigger }, seconds);
  }

  observePropagation(environment: string, seconds: number): void {
    this.propagation.observe({ environment }, seconds);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.api.observe({ method, route, code: `${Math.floor(status / 100)}xx` }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
