/** The API's views of a deployment and of a parallel run with its report. */
import type { ParallelRouteFigures, ParallelView, RequestMatchView, RolloutView } from '../api/rollout-port.js';
import type { Deployment } from '../reconcile/deployment.js';
import { labelOf, weightsOf } from '../reconcile/deployment.js';
import { deploymentSteps } from '../reconcile/deployment-steps.js';
import type { ParallelRun } from '../reconcile/parallel-run.js';
import { candidateLabel } from '../reconcile/parallel-run.js';
import type { ParallelReport, ParallelRouteReport } from '../core/parallel-report.js';
import type { MatchRoute } from '../rollout/index.js';
import type { DesiredService } from '../spec/desired.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function matchView(route: MatchRoute): RequestMatchView {
  return { kind: route.match.kind, name: route.match.name, value: route.match.value, release: route.release };
}

function releaseRef(service: DesiredService): RolloutView['stable'] {
  return { release: labelOf(service), artifact: service.artifact, configHash: service.configHash };
}

export function rolloutView(deployment: Deployment): RolloutView {
  const { steps, current } = deploymentSteps(deployment);
  const { type, ...settings } = deployment.strategy;
  return {
    id: deployment.id,
    environment: deployment.environment,
    service: deployment.service,
    strategy: type,
    settings,
    stable: releaseRef(deployment.stable),
    next: releaseRef(deployment.next),
    active: deployment.finishedAt === null,
    phase: deployment.phase,
    result: deployment.result,
    reason: deployment.reason,
    step: current,
    steps,
    weights: weightsOf(deployment.routing.traffic),
    matches: deployment.routing.matches.map(matchView),
    preview: deployment.routing.preview ? matchView(deployment.routing.preview) : null,
    analyses: deployment.verdicts.map((judged) => ({
      step: judged.step,
      name: judged.name,
      outcome: judged.verdict.outcome,
      reason: judged.verdict.reason,
      since: iso(judged.since),
      at: iso(judged.at),
      minRequests: judged.verdict.minRequests,
      canary: judged.verdict.counts.canary,
      stable: judged.verdict.counts.stable,
      checks: judged.verdict.checks,
    })),
    requests: { paused: deployment.requests.paused, promote: deployment.requests.promote, abort: deployment.requests.abort },
    actions: deployment.actions.map((request) => ({ action: request.action, author: request.author, at: iso(request.at) })),
    trigger: deployment.trigger,
    author: deployment.author,
    startedAt: iso(deployment.startedAt),
    updatedAt: iso(deployment.updatedAt),
    finishedAt: deployment.finishedAt === null ? null : iso(deployment.finishedAt),
  };
}

/** The report without the environment and service the view already names. */
function routeView({ environment: _environment, service: _service, ...figures }: ParallelRouteReport): ParallelRouteFigures {
  return figures;
}

export function parallelView(run: ParallelRun, active: boolean, report: ParallelReport): ParallelView {
  const routes = report.routes.filter((route) => route.service === run.service && route.environment === run.environment).map(routeView);
  const compared = routes.reduce((sum, route) => sum + route.compared, 0);
  const matched = routes.reduce((sum, route) => sum + route.matched, 0);
  return {
    environment: run.environment,
    service: run.service,
    active,
    candidate: candidateLabel(run),
    trusted: run.trusted,
    author: run.author,
    startedAt: iso(run.startedAt),
    settings: { percent: run.spec.percent, methods: run.spec.methods, compareHeaders: run.spec.compareHeaders, ignoreFields: run.spec.ignoreFields },
    compared,
    matchRate: compared > 0 ? matched / compared : null,
    routes,
    unreadRouters: report.unreadRouters ?? [],
  };
}
