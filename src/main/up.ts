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
import { isDeadState, readProcStatSync } from '../core/proc.js';
import { skiffVersion } from '../core/version.js';
import { loadServerConfig } from '../config/server-config.js';
import type { ServerConfig, ServerFlags } from '../config/server-config.js';
import { createDrivers } from '../drivers/registry.js';
import { RouterProcess } from '../providers/local/router-launcher.js';
import { LocalSupervisor } from '../providers/local/supervisor.js';
import type { RouteTable } from '../core/route-table.js';
import { planRouteTable } from '../reconcile/route-planner.js';
import { resolveEnvironment } from '../spec/desired.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { LocalControlPlane } from './local-control-plane.js';
import { createFileLogger } from './logger.js';
import { ReadyReporter } from './ready-reporter.js';
import { RoutePublisher } from './route-publisher.js';

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
  fs.mkdirSync(config.dataDir, { recursive: true });
  claimDataDir(config);

  const logger = createFileLogger(config.dataDir, config.logLevel);
  const store = openSqliteStore(config.dataDir, systemClock);
  const drivers = createDrivers({ dataDir: config.dataDir, baseEnv: config.instanceBaseEnv });
  let controlPlane: LocalControlPlane | undefined;
  const emit: LocalControlPlane['emit'] = (event) => controlPlane?.emit(event);

  const router = new RouterProcess({
    dataDir: config.dataDir,
    host: config.routerHost,
    port: config.routerPort,
    logger,
    onRestart: (reason) => {
      emit({ type: 'router.restarted', message: `${reason}; started it again` });
      void publisher.request();
    },
  });
  const supervisor: LocalSupervisor = new LocalSupervisor({
    environment: config.environment,
    dataDir: config.dataDir,
    store,
    drivers,
    clock: systemClock,
    random: Math.random,
    routerUrl: router.url,
    logger,
    emit,
    routesChanged: (): Promise<void> => publisher.request(),
  });
  const publisher: RoutePublisher = new RoutePublisher({
    build: (version): RouteTable => {
      const desired = supervisor.desiredEnvironment();
      return planRouteTable(desired ? [desired] : [], supervisor.readyInstances(), version, systemClock.now());
    },
    send: (table) => router.publish(table),
    logger,
  });

  let app: FastifyInstance | undefined;
  let resync: NodeJS.Timeout | undefined;
  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (shuttingDown ??= (async () => {
      print('Stopping: instances, router, server…');
      clearInterval(resync);
      await supervisor.shutdown();
      await router.stop();
      // The API closes last, so `skiff stop` sees it go away only when everything has stopped.
      await app?.close();
      store.close();
      releaseDataDir(config);
      print('Stopped.');
      finished(0);
    })());

  controlPlane = new LocalControlPlane({
    store,
    supervisor,
    routerUrl: router.url,
    limits: drivers.process.capabilities.resourceLimits,
    logger,
    routesChanged: () => publisher.request(),
    shutdown,
  });

  try {
    const routerStart = await router.ensure();
    emit({ type: `router.${routerStart}`, message: `router ${routerStart} on ${router.url} (pid ${router.pid})` });
    await supervisor.adopt();
    const latest = store.latestRevision();
    if (latest) supervisor.setDesired(resolveEnvironment(latest.spec, config.environment, latest.baseDir));
    await publisher.request();
    await controlPlane.applyFileIfChanged(
      { text: specText, file: path.relative(process.cwd(), config.specPath) || config.specPath, baseDir: path.dirname(config.specPath) },
      { author: os.userInfo().username, message: 'skiff up' },
    );
    app = buildApp({ controlPlane, version: skiffVersion });
    await listen(app, config);
  } catch (error) {
    await supervisor.shutdown();
    await router.stop();
    store.close();
    releaseDataDir(config);
    throw error;
  }
  resync = setInterval(() => void publisher.request(), 5000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown());
  print(`Skiff ${skiffVersion}: environment ${config.environment}, data in ${config.dataDir}`);
  print(`  dashboard & API  http://${config.apiHost}:${config.apiPort}`);
  print(`  router           ${router.url}`);
  const reporter = new ReadyReporter(controlPlane, config.environment, print);
  reporter.start();
  const code = await done;
  reporter.stop();
  return code;
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

/** One server per data directory: its pid file names the live owner. */
function claimDataDir(config: ServerConfig): void {
  const file = path.join(config.dataDir, 'server.json');
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; startTime: number; apiPort: number };
    const stat = readProcStatSync(owner.pid);
    if (stat && !isDeadState(stat.state) && stat.startTime === owner.startTime && owner.pid !== process.pid) {
      throw new SkiffError('SKIFF_ALREADY_RUNNING', `a Skiff server (pid ${owner.pid}) already runs with ${config.dataDir}`, {
        hint: `stop it with \`skiff stop\` (API port ${owner.apiPort}), or use another --data directory`,
      });
    }
  } catch (error) {
    if (isSkiffError(error)) throw error;
  }
  const startTime = readProcStatSync(process.pid)?.startTime ?? 0;
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, startTime, apiPort: config.apiPort }));
}

function releaseDataDir(config: ServerConfig): void {
  fs.rmSync(path.join(config.dataDir, 'server.json'), { force: true });
}
