/**
 * The parallel runs of one environment: kept in the store, their candidate's instances named by
 * its release in the routing table, and the mirror plus weights (all normal traffic to the trusted
 * release) of each service's routes.
 */
import type { Deployment } from './deployment.js';
import { labelOf } from './deployment.js';
import type { ParallelRun } from './parallel-run.js';
import { candidateLabel, mirrorOf } from './parallel-run.js';
import type { ServiceTraffic } from './route-planner.js';
import { trafficKey } from './route-planner.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { DeploymentStore } from '../store/deployment-store.js';
import type { NewEvent } from '../store/state-store.js';
import type { ObservedInstance } from '../core/instance.js';

export interface ParallelRunControllerDeps {
  readonly environment: string;
  readonly store: DeploymentStore<Deployment, ParallelRun>;
  readonly emit: (event: NewEvent) => void;
  readonly wake: (service: string) => void;
  readonly routesChanged: () => void;
}

export class ParallelRunController {
  private readonly runs = new Map<string, ParallelRun>();

  constructor(private readonly deps: ParallelRunControllerDeps) {}

  load(): void {
    for (const run of this.deps.store.parallelRuns(this.deps.environment)) this.runs.set(run.service, run);
  }

  get(service: string): ParallelRun | undefined {
    return this.runs.get(service);
  }

  start(run: ParallelRun): void {
    this.runs.set(run.service, run);
    this.deps.store.putParallelRun(run);
    this.deps.emit({
      type: 'parallel.started',
      environment: this.deps.environment,
      service: run.service,
      actor: run.author,
      message: `parallel run of ${run.service} in ${this.deps.environment}: ${candidateLabel(run)} receives a copy of ${run.spec.percent}% of ${run.spec.methods.join(', ')} requests beside ${run.trusted}`,
      data: { candidate: candidateLabel(run), trusted: run.trusted, percent: run.spec.percent },
    });
    this.deps.routesChanged();
    this.deps.wake(run.service);
  }

  stop(service: string, author: string, why: string): ParallelRun | undefined {
    const run = this.runs.get(service);
    if (!run) return undefined;
    this.runs.delete(service);
    this.deps.store.deleteParallelRun(this.deps.environment, service);
    this.deps.emit({
      type: 'parallel.stopped',
      environment: this.deps.environment,
      service,
      actor: author,
      message: `parallel run of ${service} ${candidateLabel(run)} in ${this.deps.environment} stopped: ${why}`,
      data: { candidate: candidateLabel(run) },
    });
    this.deps.routesChanged();
    this.deps.wake(service);
    return run;
  }

  /** The release an instance counts for during its service's parallel run; undefined outside one. */
  labelOf(record: ObservedInstance, desired: DesiredService | undefined): string | undefined {
    const run = this.runs.get(record.service);
    if (run && record.configHash === run.candidate.configHash) return candidateLabel(run);
    if (run && desired && record.configHash === desired.configHash) return labelOf(desired);
    return undefined;
  }

  /** Normal traffic all to the trusted release, a copy to the candidate. */
  traffic(environment: DesiredEnvironment | null): Map<string, ServiceTraffic> {
    const traffic = new Map<string, ServiceTraffic>();
    for (const [service, run] of this.runs) {
      const desired = environment?.services.find((candidate) => candidate.name === service);
      if (!desired?.release) continue;
      traffic.set(trafficKey(this.deps.environment, service), { weights: { [labelOf(desired)]: 100 }, mirror: mirrorOf(run) });
    }
    return traffic;
  }
}
