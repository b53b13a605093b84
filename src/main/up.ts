/**
 * `skiff up`: the embedded platform in one foreground command. Starts (or adopts) the router,
 * adopts instances a previous run left, applies the spec, serves the API, and on Ctrl-C stops
 * everything it runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { systemClock } from '../core/clock.js';
import { SkiffError, formatErrorDetail, isSkiffError } from '../core/errors.js';
import { skiffVersion } from '../core/version.js';
import { loadServerConfig } from '../config/server-config.js';
import type { ServerConfig, ServerFlags } from '../config/server-config.js';
import { createDrivers } from '../drivers/registry.js';
import { createAuditStore } from '../store/audit-store.js';
import { createDeploymentStore } from '../store/deployment-store.js';
import type { Deployment } from '../reconcile/deployment.js';
import type { ParallelRun } from '../reconcile/parallel-run.js';
import { createAesGcmCipher } from '../store/secret-cipher.js';
import { createSecretStore } from '../store/secret-store.js';
import { createSqliteStore, openDatabase } from '../store/sqlite-store.js';
import { createTokenStore } from '../store/token-store.js';
import { claimDataDir, makeDataDirPrivate } from './data-dir-claim.js';
import { LocalControlPlane } from './local-control-plane.js';
import { RolloutOperations } from './rollout-operations.js';
import { ensureLocalAdminToken } from './local-token.js';
import { createFileLogger } from './logger.js';
import { createLocalArtifacts } from './local-artifacts.js';
import { LogCollector } from './log-collector.js';
import { EnvironmentRegistry } from './environment-registry.js';
import { ReadyReporter } from './ready-reporter.js';
import { createPipelineRunner } from './pipeline-wiring.js';
import { loadSecretKey } from './secret-key.js';
import { Monitor } from '../monitoring/monitor.js';
import { RollupStore } from '../monitoring/rollup-store.js';
import { alertRulesOf, createMonitoringSources, monitoringPort } from './monitoring-wiring.js';

export type UpOptions = ServerFlags;

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const printError = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runUp(options: UpOptions): Promise<number> {
  let config: ServerConfig;
  try {
    config = loadServerConfig(options);
    return await serve(config);
  } catch (error) {
    if (!isSkiffError(error)) throw error;
    printError(`error: ${error.message} [${error.code}]`);
    for (const detail of error.details) printError(`  ${formatErrorDetail(detail)}`);
    if (error.hint) printError(`  hint: ${error.hint}`);
    return 1;
  }
}

async function serve(config: ServerConfig): Promise<number> {
  const specText = readSpec(config.specPath);
  makeDataDirPrivate(config.dataDir);
  const claim = claimDataDir(config);

  const logger = createFileLogger(config.dataDir, config.logLevel);
  const database = openDatabase(config.dataDir);
  const store = createSqliteStore(database, systemClock);
  const docker = config.dockerHost !== undefined ? { dockerHost: config.dockerHost } : {};
  const drivers = createDrivers({ dataDir: config.dataDir, baseEnv: config.instanceBaseEnv, ...docker });
  const artifacts = createLocalArtifacts({ dataDir: config.dataDir, baseEnv: config.instanceBaseEnv, ...docker });
  const secrets = createSecretStore(database, systemClock, createAesGcmCipher(loadSecretKey(config.dataDir, config.secretKey)));
  const tokens = createTokenStore(database, systemClock);
  const audit = createAuditStore(database, systemClock);
  const localToken = ensureLocalAdminToken({ tokens, dataDir: config.dataDir, user: localUser() });
  const deployments = createDeploymentStore<Deployment, ParallelRun>(database, systemClock);
  let controlPlane: LocalControlPlane | undefined;
  let rollouts: RolloutOperations | undefined;
  const emit: LocalControlPlane['emit'] = (event) => controlPlane?.emit(event);
  const environments = new EnvironmentRegistry({
    mainEnvironment: config.environment,
    routerPort: config.routerPort,
    runtime: {
      dataDir: config.dataDir,
      routerHost: config.routerHost,
      store,
      drivers,
      clock: systemClock,
      logger,
      emit,
      prepare: (desired) => artifacts.prepare(desired),
      secretEnv: async (desired) => secrets.values(desired.environment, desired.name, desired.secrets),
      deployments,
      onRolloutAborted: (deployment) => void rollouts?.onRolloutAborted(deployment),
    },
  });

  const monitor = new Monitor({
    sources: createMonitoringSources(environments),
    clock: systemClock,
    emit,
    onEvent: (listener) => controlPlane?.onEvent(listener) ?? (() => undefined),
    logger: logger.child({ component: 'monitoring' }),
    rules: () => alertRulesOf(store.latestRevision()),
    rollups: new RollupStore(database),
  });

  let app: FastifyInstance | undefined;
  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (shuttingDown ??= (async () => {
      print('Stopping: instances, routers, server…');
      await monitor.stop();
      await logs.stop();
      await environments.stopAll();
      // The API closes last, so `skiff stop` sees it go away only when everything has stopped.
      await app?.close();
      store.close();
      claim.release();
      print('Stopped.');
      finished(0);
    })());

  const logs = new LogCollector({
    dataDir: config.dataDir,
    clock: systemClock,
    logger,
    instances: () =>
      environments.all().flatMap((runtime) =>
        runtime.supervisor.instances().flatMap((record) =>
          record.logPath
            ? [{ id: record.id, environment: record.environment, service: record.service, release: record.release, logPath: record.logPath }]
            : [],
        ),
      ),
  });
  controlPlane = new LocalControlPlane({
    logs,
    store,
    secrets,
    environments,
    sourceEnvironment: config.environment,
    artifacts,
    limits: drivers.process.capabilities.resourceLimits,
    logger,
    shutdown,
  });

  rollouts = new RolloutOperations({
    store,
    deployments,
    secrets,
    state: controlPlane.state,
    environments,
    artifacts,
    clock: systemClock,
    logger: logger.child({ component: 'rollouts' }),
  });

  monitor.start();
  logs.start();
  try {
    const latest = store.latestRevision();
    // Adopt what an earlier run left: routers and instances keep running through a restart.
    if (latest) await controlPlane.state.follow(latest);
    await controlPlane.applyFileIfChanged(
      { text: specText, file: path.relative(process.cwd(), config.specPath) || config.specPath, baseDir: path.dirname(config.specPath) },
      { author: os.userInfo().username, message: 'skiff up' },
    );
    // Requests are not logged one by one; failures are.
    const pipelines = createPipelineRunner({
      database,
      controlPlane,
      environments,
      baseEnv: config.instanceBaseEnv,
      clock: systemClock,
      logger: logger.child({ component: 'pipeline' }),
    });
    app = buildApp({ controlPlane, tokens, audit, pipelines, rollouts, monitoring: monitoringPort(monitor), version: skiffVersion, dataDir: config.dataDir, logger: logger.child({ component: 'api' }, { level: 'warn' }) });
    await listen(app, config);
  } catch (error) {
    await monitor.stop();
    await environments.stopAll();
    store.close();
    claim.release();
    throw error;
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown());
  print(`Skiff ${skiffVersion}: environment ${config.environment}, data in ${config.dataDir}`);
  print(`  dashboard & API  http://${config.apiHost}:${config.apiPort}`);
  print(`  admin token      ${localToken.file} (${localToken.name}${localToken.created ? ', new' : ''}; the CLI reads it)`);
  const width = Math.max(...environments.all().map((runtime) => runtime.name.length));
  for (const runtime of environments.all()) {
    print(`  router ${runtime.name.padEnd(width)}  ${runtime.router.url}`);
  }
  const reporter = new ReadyReporter(controlPlane, config.environment, print);
  reporter.start();
  const code = await done;
  reporter.stop();
  return code;
}

function localUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for this uid, as in some containers.
    return 'local';
  }
}

function readSpec(specPath: string): string {
  try {
    return fs.readFileSync(specPath, 'utf8');
  } catch {
    throw new SkiffError('SKIFF_SPEC_FILE_NOT_FOUND', `no spec file at ${specPath}`, {
      hint: 'pass the directory that holds skiff.yaml, or the file itself: skiff up examples/shop',
    });
  }
}

async function listen(app: FastifyInstance, config: ServerConfig): Promise<void> {
  try {
    await app.listen({ host: config.apiHost, port: config.apiPort });
  } catch (error) {
    throw new SkiffError('SKIFF_ALREADY_RUNNING', `the API could not listen on ${config.apiHost}:${config.apiPort}`, {
      hint: 'the port is in use; choose another with --api-port or SKIFF_API_PORT',
      cause: error,
    });
  }
}

