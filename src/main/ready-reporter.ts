/** Prints, in the `skiff up` terminal, a line per service when it is ready, and crashes as they happen. */
import type { ControlPlane, EventRecord } from '../api/control-plane.js';

export class ReadyReporter {
  private readonly reported = new Set<string>();
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
    this.timer = setTimeout(() => this.check(), 0);
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private onEvent(event: EventRecord): void {
    if (event.environment !== this.environment) return;
    if (event.type === 'instance.crashed' || event.type === 'instance.unhealthy' || event.type === 'instance.start-failed') {
      this.print(`  ! ${event.message}`);
    }
    if (event.type === 'instance.ready' || event.type === 'service.scaled' || event.type === 'spec.applied') this.check();
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
    if (!this.allReadyPrinted && status.services.every((service) => service.ready >= service.desired)) {
      this.allReadyPrinted = true;
      this.print('Ready. Ctrl-C stops everything it started.');
    }
  }
}
