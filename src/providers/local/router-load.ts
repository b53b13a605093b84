/**
 * Reads each service's load out of its router's Prometheus text: requests in flight now and
 * requests answered so far, summed over the service's routes and releases (the autoscaler's input).
 */
import { parsePrometheusText } from '../../monitoring/prom-text.js';
import type { ServiceLoad } from '../../reconcile/provider.js';

export function serviceLoads(text: string, environment: string): Map<string, ServiceLoad> {
  const loads = new Map<string, { inFlight: number; requests: number }>();
  for (const family of parsePrometheusText(text)) {
    const inFlight = family.name === 'skiff_router_in_flight_requests';
    if (!inFlight && family.name !== 'skiff_router_responses_total') continue;
    for (const sample of family.samples) {
      const service = sample.labels['service'];
      if (!service || (sample.labels['environment'] !== undefined && sample.labels['environment'] !== environment)) continue;
      let load = loads.get(service);
      if (!load) {
        load = { inFlight: 0, requests: 0 };
        loads.set(service, load);
      }
      if (inFlight) load.inFlight += sample.value;
      else load.requests += sample.value;
    }
  }
  return loads;
}
