/**
 * Wires the pipeline runner to `skiff up`: its control port over the local control plane, its
 * runs in the same SQLite database, checks run as commands on this machine.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { runCommand } from '../artifacts/run-command.js';
import { pollPause, type Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { PipelineRunner } from '../pipeline/runner.js';
import type { PipelineControlPort, ReleaseRef, RolloutProgress } from '../pipeline/ports.js';
import type { PipelineRun } from '../pipeline/run.js';
import type { Deployment } from '../reconcile/deployment.js';
import { labelOf } from '../reconcile/deployment.js';
import { releaseName } from '../spec/release.js';
import { createPipelineStore } from '../store/pipeline-store.js';
import type { EnvironmentRegistry } from './environment-registry.js';
import type { SkiffControlPlane } from './skiff-control-plane.js';
import { personNeeded } from './rollout-summary.js';

export interface PipelineWiringDeps {
  readonly database: Database.Database;
  readonly controlPlane: SkiffControlPlane;
  readonly environments: EnvironmentRegistry;
  /** What checks inherit from this machine's environment (PATH, HOME). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly logger: Logger;
}

const readyPollMs = 200;
/** Check output kept in the run's log: its tail. */
const checkOutputChars = 16 * 1024;

/** The runner, with runs left under way by a stopped server already marked failed. */
export function createPipelineRunner(deps: PipelineWiringDeps): PipelineRunner {
  const runner = new PipelineRunner({
    control: controlPort(deps),
    runs: createPipelineStore<PipelineRun>(deps.database, deps.clock),
    clock: deps.clock,
    onError: (error) => deps.logger.error({ err: error }, 'pipeline run failed unexpectedly'),
  });
  runner.recover();
  return runner;
}

function controlPort(deps: PipelineWiringDeps): PipelineControlPort {
  const { controlPlane } = deps;
  const ref = (release: { version: string; artifact: string | null; unchanged?: boolean }): ReleaseRef => ({
    version: release.version,
    artifact: release.artifact,
    ...(release.unchanged ? { unchanged: true } : {}),
  });
  return {
    pipelines() {
      const spec = controlPlane.state.require().spec;
      // Revisions saved before pipelines existed have no such key.
      return { pipelines: spec.pipelines ?? {}, services: Object.keys(spec.services) };
    },
    build: (options) => controlPlane.build(options),
    deploy: async (options) => ref(await controlPlane.deploy(options)),
    promote: async (options) => ref(await controlPlane.promote(options)),
    currentRelease(environment, service) {
      const release = controlPlane.state.currentRelease(environment, service);
      return release ? { version: releaseName(release), artifact: release.artifact } : null;
    },
    rollout(environment, service) {
      const deployment = deps.environments.get(environment)?.rollouts.latest(service);
      return deployment ? rolloutProgress(deployment) : null;
    },
    async routed(environment) {
      await deps.environments.get(environment)?.publish();
    },
    async waitReady({ environment, service, release, timeoutMs }) {
      const deadline = deps.clock.now() + timeoutMs;
      let last = 'no status yet';
      for (;;) {
        const runtime = deps.environments.get(environment);
        const desired = runtime?.desiredEnvironment()?.services.find((s) => s.name === service);
        const mine = runtime?.instances().filter((i) => i.service === service) ?? [];
        // By content, not name: a release with the same content as the running one keeps its instances.
        const ready = mine.filter((i) => i.configHash === desired?.configHash && i.state === 'ready').length;
        // Older instances still ready would still get requests: a check then would test them.
        const older = mine.filter((i) => i.configHash !== desired?.configHash && i.state === 'ready').length;
        const current = desired !== undefined && desired.release === release;
        if (current && ready >= desired.instances && older === 0) break;
        last = `${ready}/${desired?.instances ?? '?'} instances of ${release} ready, ${older} older ones still serving`;
        if (deps.clock.now() >= deadline) {
          throw new SkiffError('SKIFF_RELEASE_NOT_READY', `${service} ${release} was not ready in ${environment} within ${Math.round(timeoutMs / 1000)} s: ${last}`, {
            hint: `see why: skiff status --env ${environment}; skiff logs ${service} --env ${environment}`,
          });
        }
        await pollPause(readyPollMs);
      }
      // The router learns of the ready instances through a published table: wait for it.
      await deps.environments.get(environment)?.publish();
    },
    async runCheck({ command, environment, service, artifact, timeoutMs }) {
      const latest = controlPlane.state.require();
      const result = await runCommand(command, {
        cwd: latest.baseDir,
        env: {
          ...deps.baseEnv,
          SKIFF_ROUTER_URL: controlPlane.status(environment).routerUrl,
          SKIFF_ENVIRONMENT: environment,
          SKIFF_SERVICE: service,
          SKIFF_ARTIFACT: artifact ?? '',
        },
        timeoutMs,
        keepChars: checkOutputChars,
      });
      return {
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        output: [result.stdout, result.stderr].filter((text) => text.trim() !== '').join('\n'),
        ...(result.spawnError === undefined ? {} : { spawnError: result.spawnError }),
      };
    },
    emit: (event) => controlPlane.emit(event),
  };
}

function rolloutProgress(deployment: Deployment): RolloutProgress {
  return {
    id: deployment.id,
    release: labelOf(deployment.next),
    stable: labelOf(deployment.stable),
    strategy: deployment.strategy.type,
    active: deployment.finishedAt === null,
    phase: deployment.phase,
    result: deployment.result,
    reason: deployment.reason,
    waitsFor: personNeeded(deployment),
  };
}
