/**
 * Turns a mirrored exchange that answered its client into a parallel-run job: picks, under the
 * current table, a candidate instance and a second instance of the release that answered.
 */
import { pickBackend } from '../balancer.js';
import type { ProxyBackend, ProxyExchange, ProxyRoute, RouterLogger } from '../proxy-exchange.js';
import type { BackendGroup } from '../release-picker.js';
import type { Upstream } from '../upstreams.js';
import type { MirrorSettings } from './mirror-settings.js';
import type { CopyTarget, ParallelRuns } from './parallel-runs.js';

function copyTarget(backend: ProxyBackend): CopyTarget {
  return { id: backend.id, upstream: backend.upstream };
}

/** Another instance of the release that answered, not ejected, rotating; undefined when there is none. */
function secondInstance(group: BackendGroup<ProxyBackend> | undefined, answered: Upstream, settings: MirrorSettings): ProxyBackend | undefined {
  if (group === undefined) return undefined;
  const backends = group.backends;
  const count = backends.length;
  const now = Date.now();
  const start = settings.noiseCursor++ % Math.max(count, 1);
  for (let i = 0; i < count; i++) {
    const backend = backends[(start + i) % count] as ProxyBackend;
    if (backend.upstream !== answered && backend.upstream.ejectedUntil <= now) return backend;
  }
  return undefined;
}

/** Starts the copies of `exchange` (route: its route under the current table); never throws. */
export function sendCopies(exchange: ProxyExchange, route: ProxyRoute | undefined, runs: ParallelRuns, logger: RouterLogger): void {
  const capture = exchange.capture;
  const answered = exchange.answeredBy;
  const traffic = route?.state.traffic;
  const settings = traffic?.mirror;
  if (capture === null || answered === undefined || route === undefined || traffic == null || settings == null) return;
  // A match may send a request to the candidate on purpose; its answer has nothing to be compared with.
  if (answered.release === settings.candidateRelease) return;
  const candidates = traffic.groupOf(settings.candidateRelease);
  const candidate = candidates === undefined ? undefined : pickBackend(candidates, null, Date.now());
  const noise = secondInstance(traffic.groupOf(answered.release), answered.upstream, settings);
  runs
    .run({
      route: route.id,
      environment: route.entry.environment,
      service: route.entry.service,
      settings,
      method: exchange.req.method ?? 'GET',
      path: exchange.path,
      headers: exchange.headers,
      body: Buffer.isBuffer(exchange.body) ? exchange.body : null,
      trusted: capture.answer(settings.compareHeaders),
      candidate: candidate === undefined ? undefined : copyTarget(candidate),
      noise: noise === undefined ? undefined : copyTarget(noise),
    })
    .catch((err: unknown) => logger.error({ route: route.id, err: (err as Error).message }, 'parallel run comparison failed'));
}
