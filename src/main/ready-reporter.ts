/** Prints, in the `skiff up` terminal, a line per service when it is ready, and crashes as they happen. */
import type { ControlPlane, EventRecord } from '../api/control-plane.js';

const checkDelayMs = 100;

export class ReadyReporter {
  private readonly reported = new Set<string>();
  /** Failures already printed, by instance and reason: a crash loop prints its reason once. */
  private readonly failures = new Set<string>();
  private readonly failing = new Set<string>();
  private allReadyPrinted = false;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly environment: string,
    private readonly print: (line: string) => void,
  ) {}

  start(): void {
    this.unsubscribe = this.controlPlane.onEvent((event) => this.onEvent(event));
    // Services already ready (adopted instances) produce no new event.
    this.checkSoon();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private onEvent(event: EventRecord): void {
    if (event.environment !== this.environment) return;
    if (event.type === 'instance.crashed' || event.type === 'instance.unhealthy' || event.type === 'instance.start-failed') {
      const reason = typeof event.data['reason'] === 'string' ? event.data['reason'] : event.message.replace(/^could not start \S+: /, '');
      const key = `${event.instance}:${reason}`;
      if (event.service) this.failing.add(event.service);
      if (!this.failures.has(key)) {
        this.failures.add(key);
        this.print(`  ! ${event.instance}: ${reason}`);
      }
      this.checkSoon();
    }
    if (event.type === 'instance.ready' || event.type === 'service.scaled' || event.type === 'spec.applied') this.checkSoon();
  }

  /** One status read for a burst of events: a thousand instances becoming ready print after one read, not a thousand. */
  private checkSoon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.check();
    }, checkDelayMs);
  }

  private check(): void {
    const status = this.controlPlane.status(this.environment);
    const width = Math.max(...status.services.map((service) => service.name.length), 4);
    for (const service of status.services) {
      const key = `${service.name}@${service.desired}`;
      if (service.ready < service.desired || this.reported.has(key)) continue;
      this.reported.add(key);
      const route = service.routes[0];
      const url = route ? `  ${route.host ? `http://${route.host}:${new URL(status.routerUrl).port}` : status.routerUrl}${route.path}` : '';
      this.print(`  ✓ ${service.name.padEnd(width)}  ${service.ready}/${service.desired} ready  ${service.release}${url}`);
    }
    const waiting = status.services.filter((service) => service.ready < service.desired);
    if (!this.allReadyPrinted && waiting.every((service) => this.failing.has(service.name))) {
      this.allReadyPrinted = true;
      const note = waiting.length ? ` Not ready: ${waiting.map((service) => service.name).join(', ')} (see above; retried with backoff).` : '';
      this.print(`Ready.${note} Ctrl-C stops everything it started.`);
    }
  }
}
