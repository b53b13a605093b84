/** Whether an environment is still moving (instances starting or stopping, counts not met). */
import type { StatusReport } from '../../api/control-plane.js';

/** While a change settles the dashboard also polls: not every step of it is an event. */
export const settlingPollMs = 1_000;

export function isSettling(status: StatusReport | undefined, service?: string): boolean {
  if (!status) return false;
  const services = status.services.filter((s) => service === undefined || s.name === service);
  const instances = status.instances.filter((i) => service === undefined || i.service === service);
  return (
    services.some((s) => s.ready !== s.desired || instances.filter((i) => i.service === s.name).length !== s.desired) ||
    instances.some((i) => i.state === 'starting' || i.state === 'stopping')
  );
}
