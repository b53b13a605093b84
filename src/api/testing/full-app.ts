/**
 * The API with every route served, for tests that enumerate routes: the real SQLite token, audit
 * and pipeline-run stores in a temporary directory, the real pipeline runner (over a scripted
 * control port) and monitor, and the in-memory control plane. Rollouts need running routers:
 * their port here only records the calls that reach it, and answers that there is no rollout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../core/clock.js';
import { SkiffError } from '../../core/errors.js';
import { monitoringPort } from '../../control-plane/monitoring-sources.js';
import { Monitor } from '../../monitoring/monitor.js';
import { PipelineRunner } from '../../pipeline/runner.js';
import type { PipelineControlPort } from '../../pipeline/ports.js';
import type { PipelineRun } from '../../pipeline/run.js';
import type { PipelineSpec } from '../../spec/schema.js';
import { createPipelineStore } from '../../store/pipeline-store.js';
import { openDatabase } from '../../store/sqlite-store.js';
import { buildApp } from '../app.js';
import type { PreviewsPort, PreviewView } from '../preview-port.js';
import type { RunPort } from '../run-port.js';
import { createTestFlags } from './flag-fixtures.js';
import type { RolloutPort } from '../rollout-port.js';
import { MemoryControlPlane } from './memory-control-plane.js';
import { validSpecText } from './spec-fixtures.js';
import { createTestAccess, type TestAccess } from './test-access.js';

export interface FullApp {
  readonly app: FastifyInstance;
  readonly db: Database.Database;
  readonly access: TestAccess;
  readonly controlPlane: MemoryControlPlane;
  readonly runner: PipelineRunner;
  /** What reached the rollout port. */
  readonly rolloutCalls: readonly string[];
  /** Everything a refused or invalid request must leave as it was, as JSON, once pipeline runs are idle. */
  state(environments: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

/** `environments`: each gets a preview `pv-ENV` of it. */
export async function buildFullApp(options: {
  readonly pipelines: Readonly<Record<string, PipelineSpec>>;
  readonly services: readonly string[];
  readonly environments?: readonly string[];
}): Promise<FullApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-api-'));
  const db = openDatabase(dir);
  const access = createTestAccess({ database: db });
  const controlPlane = new MemoryControlPlane();
  const runner = new PipelineRunner({ control: scriptedPipelineControl(options), runs: createPipelineStore<PipelineRun>(db, systemClock), clock: systemClock });
  const monitor = new Monitor({
    sources: { environments: () => [], sample: async () => { throw new Error('no environments'); }, routedInstances: async () => null, reconcileIdle: async () => undefined },
    clock: systemClock,
    emit: () => undefined,
    onEvent: () => () => undefined,
    logger: { warn: () => undefined },
    rules: () => ({ alerts: [], notify: [] }),
  });
  const rolloutCalls: string[] = [];
  const { flags } = createTestFlags(db);
  const previews = memoryPreviews(options.environments ?? []);
  const app = buildApp({
    previews,
    controlPlane,
    tokens: access.tokens,
    audit: access.audit,
    pipelines: runner,
    monitoring: monitoringPort(monitor),
    rollouts: recordingRollouts(rolloutCalls),
    runs: recordingRuns(rolloutCalls),
    flags,
    version: '1.0.0',
  });
  await app.ready();
  return {
    app,
    db,
    access,
    controlPlane,
    runner,
    rolloutCalls,
    async state(environments) {
      await runner.idle();
      const perService = (read: (environment: string, service: string) => unknown) =>
        environments.flatMap((environment) => options.services.map((service) => read(environment, service)));
      return JSON.stringify({
        revisions: controlPlane.revisionList,
        events: controlPlane.eventList,
        status: environments.map((environment) => controlPlane.status(environment)),
        releases: perService((environment, service) => controlPlane.releases(environment, service)),
        secrets: perService((environment, service) => controlPlane.secrets(environment, service)),
        artifacts: await Promise.all(options.services.map((service) => controlPlane.artifacts(service))),
        shutdowns: controlPlane.shutdownCalls,
        runs: runner.list({ limit: 1000 }),
        tokens: access.tokens.list().map(({ lastUsedAt: _lastUsed, ...token }) => token),
        flags: environments.map((environment) => flags.list(environment)),
        previews: previews.list(),
      });
    },
    async close() {
      await app.close();
      await runner.idle();
      await monitor.stop();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Something of everything in `validSpecText`, so that calls can act: releases to roll back, a secret to unset. */
export async function seedReleasesAndSecrets(controlPlane: MemoryControlPlane, environments: readonly string[]): Promise<void> {
  await controlPlane.apply({ text: validSpecText, file: 'skiff.yaml', baseDir: '/srv/shop' }, { author: 'setup' });
  for (const environment of environments) {
    for (let i = 0; i < 2; i += 1) {
      await controlPlane.build({ service: 'catalog', author: 'setup' });
      await controlPlane.deploy({ service: 'catalog', version: 'latest', environment, author: 'setup' });
    }
    await controlPlane.setSecrets({ environment, service: 'catalog', values: { API_KEY: 'k' }, author: 'setup' });
  }
}

function scriptedPipelineControl(options: { readonly pipelines: Readonly<Record<string, PipelineSpec>>; readonly services: readonly string[] }): PipelineControlPort {
  let version = 0;
  return {
    pipelines: () => ({ pipelines: options.pipelines, services: [...options.services] }),
    build: async () => ({ digest: 'sha256:aa' }),
    deploy: async ({ version: artifact }) => ({ version: `v${++version}`, artifact }),
    promote: async () => ({ version: `v${++version}`, artifact: 'sha256:aa' }),
    currentRelease: () => ({ version: 'v1', artifact: 'sha256:aa' }),
    rollout: () => null,
    routed: async () => undefined,
    waitReady: async () => undefined,
    runCheck: async () => ({ exitCode: 0, timedOut: false, output: '' }),
    emit: () => undefined,
  };
}

/** Previews kept in memory: a preview `pv-ENV` of each environment to begin with. */
function memoryPreviews(environments: readonly string[]): PreviewsPort {
  const previews = new Map<string, PreviewView>();
  const add = (name: string, from: string, branch: string | null): PreviewView => {
    const view: PreviewView = { name, from, branch, commit: null, automatic: false, createdAt: '2026-12-01T00:00:00.000Z', ttlMs: null, lastDeployAt: '2026-12-01T00:00:00.000Z', expiresAt: null, routerUrl: 'http://127.0.0.1:9', services: {} };
    previews.set(name, view);
    return view;
  };
  for (const environment of environments) add(`pv-${environment}`, environment, null);
  const require = (name: string): PreviewView => {
    const preview = previews.get(name);
    if (!preview) throw new SkiffError('SKIFF_PREVIEW_NOT_FOUND', `there is no preview "${name}"`);
    return preview;
  };
  return {
    list: () => [...previews.values()],
    create: async ({ name, from, branch }) => {
      if (!environments.includes(from)) throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `there is no environment "${from}"`);
      if (previews.has(name)) throw new SkiffError('SKIFF_PREVIEW_EXISTS', `environment "${name}" exists already`);
      return add(name, from, branch ?? null);
    },
    sourceOf: (name) => require(name).from,
    delete: async ({ name }) => {
      require(name);
      previews.delete(name);
    },
  };
}

/** Command runs that record each call that reached them (in the rollout calls) and run nothing. */
function recordingRuns(calls: string[]): RunPort {
  const reached = (call: string): never => {
    calls.push(call);
    throw new SkiffError('SKIFF_COMMAND_RUN_NOT_FOUND', `no run here (${call})`);
  };
  return {
    start: async ({ environment, service }) => reached(`run ${environment}/${service}`),
    get: (environment, id) => reached(`get run ${environment}/${id}`),
    list: ({ environment, service }) => reached(`runs ${environment}/${service}`),
    stop: (environment, id) => reached(`stop run ${environment}/${id}`),
    output: async (environment, id) => reached(`output of run ${environment}/${id}`),
    input: async (environment, id, input) => {
      input.resume();
      return reached(`input to run ${environment}/${id}`);
    },
  };
}

function recordingRollouts(calls: string[]): RolloutPort {
  const reached = (call: string): never => {
    calls.push(call);
    throw new SkiffError('SKIFF_NOT_FOUND', `no rollout here (${call})`);
  };
  return {
    rollout: (environment, service) => reached(`rollout ${environment}/${service}`),
    act: ({ environment, service, action }) => reached(`${action} ${environment}/${service}`),
    startParallel: async ({ environment, service }) => reached(`start parallel ${environment}/${service}`),
    parallel: async (environment, service) => reached(`parallel ${environment}/${service}`),
    stopParallel: async ({ environment, service }) => reached(`stop parallel ${environment}/${service}`),
  };
}
