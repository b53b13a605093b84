/**
 * Whether an environment is still moving: instances starting or stopping, or not as many as
 * desired. A crash loop is not "moving": its restarts are events.
 */
import type { StatusReport } from '../../api/control-plane.js';

/** While a change settles the dashboard also polls: not every step of it is an event. */
export const settlingPollMs = 1_000;

export function isSettling(status: StatusReport | undefined, service?: string): boolean {
  if (!status) return false;
  const services = status.services.filter((s) => service === undefined || s.name === service);
  const instances = status.instances.filter((i) => service === undefined || i.service === service);
  return (
    services.some((s) => instances.filter((i) => i.service === s.name).length !== s.desired) ||
    instances.some((i) => i.state === 'starting' || i.state === 'stopping')
  );
}

export type Rollout = 'complete' | 'progressing' | 'degraded';

/** How the service's last change is doing, from its instances. */
export function rolloutState(status: StatusReport, service: string): Rollout {
  const summary = status.services.find((s) => s.name === service);
  const instances = status.instances.filter((i) => i.service === service);
  if (instances.some((i) => i.state === 'crashed' || i.state === 'unhealthy')) return 'degraded';
  return summary && summary.ready === summary.desired && instances.length === summary.desired ? 'complete' : 'progressing';
}

/** An environment this server does not run (yet): every service without a release. */
export function isIdle(status: StatusReport): boolean {
  return status.instances.length === 0 && status.services.every((s) => s.release === 'none');
}
