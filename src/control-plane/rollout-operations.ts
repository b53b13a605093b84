/**
 * Rollouts and parallel runs as the API sees them: the deployment of a service in an
 * environment, people's requests (promote, pause, resume, abort, undo), and parallel runs with
 * their reports. Also brings the desired state back to the stable release when a rollout aborts.
 */
import type { Logger } from 'pino';
import type { ParallelView, RolloutAction, RolloutPort, RolloutView } from '../api/rollout-port.js';
import type { Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import type { Deployment } from '../reconcile/deployment.js';
import { labelOf } from '../reconcile/deployment.js';
import type { ParallelRun } from '../reconcile/parallel-run.js';
import { resolveEnvironment } from '../spec/desired.js';
import type { DesiredService } from '../spec/desired.js';
import { releaseHash, releaseName } from '../spec/release.js';
import type { Release } from '../spec/release.js';
import { artifactRelease } from '../spec/release-plan.js';
import type { DeploymentStore } from '../store/deployment-store.js';
import type { SecretStore } from '../store/secret-store.js';
import type { StateStore } from '../store/state-store.js';
import type { DesiredState } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';
import type { ArtifactPort } from './release-operations.js';
import { parallelView, rolloutView } from './rollout-view.js';

export interface RolloutOperationsDeps {
  readonly store: StateStore;
  readonly deployments: DeploymentStore<Deployment, ParallelRun>;
  readonly secrets: SecretStore;
  readonly state: DesiredState;
  readonly environments: EnvironmentRegistry;
  readonly artifacts: ArtifactPort;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class RolloutOperations implements RolloutPort {
  private readonly reverted = new Set<number>();

  constructor(private readonly deps: RolloutOperationsDeps) {}

  rollout(environment: string, service: string): RolloutView {
    this.check(environment, service);
    const deployment = this.deps.environments.get(environment)?.rollouts.latest(service) ?? this.deps.deployments.latest(environment, service);
    if (!deployment) throw noRollout(environment, service);
    return rolloutView(deployment);
  }

  act(options: { environment: string; service: string; action: RolloutAction; author: string }): RolloutView {
    this.check(options.environment, options.service);
    const runtime = this.deps.environments.get(options.environment);
    if (!runtime) throw noRollout(options.environment, options.service);
    return rolloutView(runtime.rollouts.request(options.service, options.action, options.author));
  }

  /**
   * A rollout aborted (a failed analysis, a person) while the desired state still names its new
   * release: the environment goes back to the stable release in a new revision, so the failed
   * release does not roll out again with the next change.
   */
  async onRolloutAborted(deployment: Deployment): Promise<void> {
    if (this.reverted.has(deployment.id)) return;
    this.reverted.add(deployment.id);
    const { environment, service } = deployment;
    const current = this.deps.state.currentRelease(environment, service);
    const version = /^v(\d+)$/.exec(labelOf(deployment.stable))?.[1];
    const stable = version === undefined ? null : this.deps.store.release(environment, service, Number(version));
    if (!current || current.configHash !== deployment.next.configHash || !stable) return;
    const latest = this.deps.state.require();
    const pointers = { ...latest.releases, [environment]: { ...(latest.releases[environment] ?? {}), [service]: stable.version } };
    const reason = deployment.cursor.aborted?.reason ?? deployment.reason;
    const message = `rollout of ${service} ${releaseName(current)} in ${environment} aborted (${reason}): back to ${releaseName(stable)}`;
    try {
      await this.deps.state.commit(
        latest.spec,
        latest.baseDir,
        pointers,
        { author: 'skiff', message, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash },
        { environment, service, trigger: 'rollback', author: 'skiff' },
      );
    } catch (error) {
      this.reverted.delete(deployment.id);
      this.deps.logger.error({ err: error, environment, service }, 'could not bring the desired state back to the stable release');
    }
  }

  async startParallel(options: { environment: string; service: string; release?: string; version?: string; author: string }): Promise<ParallelView> {
    const { environment, service } = options;
    this.check(environment, service);
    const runtime = this.deps.environments.get(environment);
    const trusted = runtime?.desiredService(service);
    if (!runtime || !trusted?.release) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${service} runs nothing in ${environment}: a parallel run compares a candidate with the running release`, {
        hint: `deploy it first: skiff deploy ${service} VERSION ${environment}`,
      });
    }
    if (!runtime.provider.capabilities.parallelRuns) {
      throw new SkiffError('SKIFF_NOT_SUPPORTED', `the ${runtime.provider.kind} provider of ${environment} cannot run parallel runs (its data plane does not mirror requests)`, {
        hint: 'run the parallel run in an environment on the local provider',
      });
    }
    if (runtime.rollouts.parallelRun(service)) {
      throw new SkiffError('SKIFF_PARALLEL_ACTIVE', `${service} already has a parallel run in ${environment}`, {
        hint: `see it with \`skiff parallel report ${service} ${environment}\`, or stop it first: skiff parallel stop ${service} ${environment}`,
      });
    }
    const release = await this.candidateRelease(options, { release: trusted.release, configHash: trusted.configHash });
    const candidate = this.desiredOf(environment, service, release);
    const run: ParallelRun = {
      environment,
      service,
      candidate,
      trusted: trusted.release,
      spec: trusted.parallel,
      author: options.author,
      startedAt: this.deps.clock.now(),
    };
    runtime.rollouts.startParallel(run);
    // Counts from an earlier run of the same routes would mix with this one's.
    await runtime.provider.resetParallel().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'resetting the parallel-run counts failed'));
    return parallelView(run, true, { routes: [] });
  }

  async parallel(environment: string, service: string): Promise<ParallelView> {
    this.check(environment, service);
    const runtime = this.deps.environments.get(environment);
    const run = runtime?.rollouts.parallelRun(service);
    if (!runtime || !run) throw noParallelRun(environment, service);
    return parallelView(run, true, await runtime.provider.parallelReport());
  }

  async stopParallel(options: { environment: string; service: string; author: string }): Promise<ParallelView> {
    this.check(options.environment, options.service);
    const runtime = this.deps.environments.get(options.environment);
    if (!runtime || !runtime.rollouts.parallelRun(options.service)) throw noParallelRun(options.environment, options.service);
    // The last report, before the mirror leaves the routing table.
    const report = await runtime.provider.parallelReport();
    const run = runtime.rollouts.stopParallel(options.service, options.author, `by ${options.author}`);
    if (!run) throw noParallelRun(options.environment, options.service);
    return parallelView(run, false, report);
  }

  /** The candidate, refused before anything is saved when it is what runs now. */
  private async candidateRelease(
    options: { environment: string; service: string; release?: string; version?: string; author: string },
    trusted: { readonly release: string; readonly configHash: string },
  ): Promise<Release> {
    const { environment, service } = options;
    const refuseIfRunning = (name: string, configHash: string, path: 'release' | 'version'): void => {
      if (configHash !== trusted.configHash) return;
      throw new SkiffError('SKIFF_BAD_REQUEST', `${name} runs exactly what ${service} runs now (${trusted.release}) in ${environment}: nothing to compare`, {
        path,
        hint: `skiff releases ${service} ${environment} lists the releases`,
      });
    };
    if (options.release !== undefined) {
      const version = /^v?(\d+)$/.exec(options.release.trim())?.[1];
      const release = version === undefined ? null : this.deps.store.release(environment, service, Number(version));
      if (!release) {
        const known = this.deps.store.listReleases(environment, service, 10).map(releaseName);
        throw new SkiffError('SKIFF_RELEASE_NOT_FOUND', `${service} has no release "${options.release}" in ${environment}`, {
          path: 'release',
          hint: known.length ? `releases: ${known.join(', ')}` : 'it has no releases there yet',
        });
      }
      refuseIfRunning(releaseName(release), release.configHash, 'release');
      if (release.artifact) await this.deps.artifacts.verify(release.artifact);
      return release;
    }
    if (options.version === undefined) {
      throw new SkiffError('SKIFF_BAD_REQUEST', 'name the candidate: a release (`release: v3`) or an artifact (`version: latest`)', { path: 'release' });
    }
    const latest = this.deps.state.require();
    const artifact = await this.deps.artifacts.resolve(service, options.version);
    await this.deps.artifacts.verify(artifact.digest);
    const secrets = this.deps.secrets.versions(environment, service);
    const content = artifactRelease(latest.spec, environment, service, artifact.digest, latest.baseDir, secrets);
    refuseIfRunning(`${options.version} (${artifact.digest.slice(0, 19)})`, releaseHash(content), 'version');
    return this.deps.store.createRelease({ environment, service, content, author: options.author, reason: 'parallel' });
  }

  /** The release as the environment would run it, with the current spec's probes and routes. */
  private desiredOf(environment: string, service: string, release: Release): DesiredService {
    const latest = this.deps.state.require();
    const releases = { ...this.deps.state.releasesOf(latest, environment), [service]: release };
    const desired = resolveEnvironment(latest.spec, environment, releases).services.find((candidate) => candidate.name === service);
    if (!desired) throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `there is no service "${service}"`, { path: 'service' });
    return desired;
  }

  private check(environment: string, service: string): void {
    this.deps.state.assertEnvironment(environment);
    this.deps.state.assertService(service);
  }
}

function noRollout(environment: string, service: string): SkiffError {
  return new SkiffError('SKIFF_NO_ROLLOUT', `${service} has had no rollout in ${environment}`, {
    hint: `a rollout starts with a new release: skiff deploy ${service} VERSION ${environment}`,
  });
}

function noParallelRun(environment: string, service: string): SkiffError {
  return new SkiffError('SKIFF_NO_PARALLEL_RUN', `${service} has no parallel run in ${environment}`, {
    hint: `start one: skiff parallel start ${service} ${environment} --release vN`,
  });
}
