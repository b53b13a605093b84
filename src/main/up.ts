/**
 * `skiff up`, the composition root of the embedded platform: builds the control plane in order,
 * starts (or adopts) each environment's data plane and instances, applies the spec, serves the
 * API, and on Ctrl-C stops everything it runs.
 */
import type { RouteTls, TlsCertificate } from '../core/route-table.js';
import { CertificateFiles } from '../edge/certificate-files.js';
import { mergeRouteTls } from '../edge/merge-route-tls.js';
import { certificateRefs } from '../control-plane/certificate-refs.js';
import { CertificateOperations } from '../control-plane/certificate-operations.js';
import { formatHostPort, isLoopback } from '../core/listen-address.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { ContainerListener } from '../api/container-listener.js';
import { systemClock } from '../core/clock.js';
import { SkiffError, formatErrorDetail, isSkiffError } from '../core/errors.js';
import type { ErrorDetail } from '../core/errors.js';
import { StopRequest } from '../core/stop-request.js';
import { Topic } from '../core/topic.js';
import { skiffVersion } from '../core/version.js';
import { loadServerConfig } from '../config/server-config.js';
import type { ServerConfig, ServerFlags } from '../config/server-config.js';
import { AcmeEnvironments } from '../control-plane/acme-environments.js';
import { createLocalArtifacts } from '../control-plane/artifacts-port.js';
import { createCertificateVault } from '../control-plane/certificate-vault.js';
import { EnvironmentRegistry } from '../control-plane/environment-registry.js';
import { EvaluationTokens } from '../control-plane/flag-tokens.js';
import { alertRulesOf, createMonitoringSources, monitoringPort } from '../control-plane/monitoring-sources.js';
import { createPipelineRunner } from '../control-plane/pipeline-control.js';
import { RolloutOperations } from '../control-plane/rollout-operations.js';
import { RunOperations } from '../control-plane/run-operations.js';
import { SkiffControlPlane } from '../control-plane/skiff-control-plane.js';
import { Timeline } from '../control-plane/timeline.js';
import { createGitSources } from '../control-plane/git-sources.js';
import { createCommitPipelines } from '../control-plane/commit-pipelines.js';
import { VolumeOperations } from '../control-plane/volume-operations.js';
import { JobOperations } from '../control-plane/job-operations.js';
import { PreviewOperations } from '../control-plane/preview-operations.js';
import { branchBuildPorts, createBranchPreviews } from '../control-plane/branch-previews.js';
import { commandRunJobRunner } from '../control-plane/job-run-executor.js';
import { scheduledJobs } from '../control-plane/scheduled-jobs.js';
import { JobScheduler, lastRunFailed } from '../reconcile/job-scheduler.js';
import { createJobRunStore } from '../store/job-run-store.js';
import type { DesiredService } from '../spec/desired.js';
import type { Driver } from '../drivers/driver.js';
import { createAcmeClientAuthority } from '../edge/acme/acme-client-authority.js';
import { FlagMetrics } from '../flags/flag-metrics.js';
import { FlagService } from '../flags/flag-service.js';
import { createDrivers } from '../drivers/registry.js';
import { LogCollector } from '../monitoring/log-collector.js';
import { Monitor } from '../monitoring/monitor.js';
import { RollupStore } from '../monitoring/rollup-store.js';
import { createImagePublisher, createRouterImagePublisher } from '../providers/kubernetes/images/index.js';
import { createProviderFactories } from '../providers/registry.js';
import type { CommandRun } from '../reconcile/command-run.js';
import type { Deployment } from '../reconcile/deployment.js';
import type { ParallelRun } from '../reconcile/parallel-run.js';
import { auditArchivePath } from '../store/audit-archive.js';
import { createAuditStore } from '../store/audit-store.js';
import { createCommandRunStore } from '../store/command-run-store.js';
import { createDeploymentStore } from '../store/deployment-store.js';
import { createFlagStore } from '../store/flag-store.js';
import { applyRetention, scheduleRetention } from '../store/retention.js';
import { createAesGcmCipher } from '../store/secret-cipher.js';
import { createSecretStore } from '../store/secret-store.js';
import { createSqliteStore, openDatabase } from '../store/sqlite-store.js';
import type { NewEvent } from '../store/state-store.js';
import { createTokenStore } from '../store/token-store.js';
import { listenApiForContainers } from './api-for-containers.js';
import { claimDataDir, makeDataDirPrivate } from './data-dir-claim.js';
import { ensureLocalAdminToken } from './local-token.js';
import { createFileLogger } from './logger.js';
import { ReadyReporter } from './ready-reporter.js';
import { loadSecretKey } from './secret-key.js';
import { SignalCounter } from './signal-counter.js';
import { traceWakeTo } from '../core/wake-trace.js';

export type UpOptions = ServerFlags;

/** This installation of Skiff (dist/main/up.js is two folders down): the router image is made of its files. */
const installationRoot = fileURLToPath(new URL('../../', import.meta.url));
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const printError = (line: string): void => void process.stderr.write(`${line}\n`);
/** How often the job scheduler looks at the clock: a job with a seconds schedule starts within this of its time. */
const jobTickMs = 250;
/** How often expired previews are looked for: a preview goes within this of its ttl. */
const previewTickMs = 1_000;

export async function runUp(options: UpOptions): Promise<number> {
  try {
    return await serve(loadServerConfig(options));
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
  const specSource = {
    text: specText,
    file: path.relative(process.cwd(), config.specPath) || config.specPath,
    baseDir: path.dirname(config.specPath),
  };
  makeDataDirPrivate(config.dataDir);
  traceWakeTo(config.wakeTrace);
  const claim = claimDataDir(config);

  const logger = createFileLogger(config.dataDir, config.logLevel);
  const database = openDatabase(config.dataDir);
  const store = createSqliteStore(database, systemClock);
  const timeline = new Timeline(store, logger);
  const stopRequest = new StopRequest();
  const abortedRollouts = new Topic<Deployment>();
  const docker = config.dockerHost !== undefined ? { dockerHost: config.dockerHost } : {};
  const drivers = createDrivers({ dataDir: config.dataDir, baseEnv: config.instanceBaseEnv, functionWarmPool: config.functionWarmPool, ...docker });
  const artifacts = createLocalArtifacts({ dataDir: config.dataDir, baseEnv: config.instanceBaseEnv, ...docker });
  const cipher = createAesGcmCipher(loadSecretKey(config.dataDir, config.secretKey));
  const secrets = createSecretStore(database, systemClock, cipher);
  const tokens = createTokenStore(database, systemClock);
  const audit = createAuditStore(database, systemClock);
  const stopRetention = scheduleRetention(
    () => applyRetention(database, systemClock, { ...config.retention, archiveFile: auditArchivePath(config.dataDir) }),
    config.retention.intervalMs,
    (error) => logger.error({ err: error }, 'could not apply retention to events and audit'),
  );
  const localToken = ensureLocalAdminToken({ tokens, dataDir: config.dataDir, user: localUser() });
  const flagStore = createFlagStore(database, systemClock);
  const flagMetrics = new FlagMetrics();
  const flags = new FlagService({ store: flagStore, latestSpec: () => store.latestRevision()?.spec ?? null, metrics: flagMetrics });
  const evaluationTokens = new EvaluationTokens({ tokens, store: flagStore, endpoint: apiUrlForInstances(config) });
  const deployments = createDeploymentStore<Deployment, ParallelRun>(database, systemClock);
  const commandRuns = createCommandRunStore<CommandRun>(database);
  const emit = (event: NewEvent): void => timeline.emit(event);
  const certificateChanges = new Topic<void>();
  const certificateFiles = new CertificateFiles({
    onChange: () => certificateChanges.publish(),
    logger: logger.child({ component: 'edge' }),
    now: () => new Date(systemClock.now()),
  });
  // The flag evaluation variables, then the service's own secrets, which may override them.
  const secretEnv = async (desired: DesiredService): Promise<Readonly<Record<string, string>>> => ({
    ...evaluationTokens.env(desired.environment),
    ...secrets.values(desired.environment, desired.name, desired.secrets),
  });
  const acme = new AcmeEnvironments({
    authority: createAcmeClientAuthority(config.acmeCaFile === undefined ? {} : { trust: readAcmeTrust(config.acmeCaFile) }),
    vaultFor: (environment) => createCertificateVault(database, cipher, environment),
    clock: systemClock,
    emit,
  });
  const environments = new EnvironmentRegistry({
    acme,
    mainEnvironment: config.environment,
    routerPort: config.routerPort,
    routerHost: config.routerHost,
    ...(config.routerListen === undefined ? {} : { mainRouterListen: config.routerListen }),
    providers: createProviderFactories({
      dataDir: config.dataDir,
      routerHost: config.routerHost,
      store,
      drivers,
      clock: systemClock,
      random: Math.random,
      logger,
      prepare: (desired) => artifacts.prepare(desired),
      secretEnv,
      kubernetes: {
        specDir: path.dirname(config.specPath),
        kubeconfigDefaults: config.kubeconfig,
        publishImage: createImagePublisher({ engine: docker, archivePath: (digest) => artifacts.archivePath(digest), verify: (digest) => artifacts.verify(digest) }),
        // Skiff's router in each cluster runs this installation's build (the routers' admin ports are found at their pod IPs).
        routerImage: createRouterImagePublisher({ skiffRoot: installationRoot, engine: docker }),
        forceConflicts: config.kubernetesForceConflicts,
        registryPasswords: config.registryPasswords,
      },
    }),
    controller: {
      deployments,
      clock: systemClock,
      logger,
      emit,
      rolloutAborted: (deployment) => abortedRollouts.publish(deployment),
      commandRuns,
      tls: () => routerTls(certificateFiles.certificates()),
    },
  });
  /** The TLS section of an environment's routing table: the route files' certificates and ACME's. */
  const routeTls = (environment: string): RouteTls | undefined => mergeRouteTls(routerTls(certificateFiles.certificates()), acme.tls(environment));
  // New or renewed certificates reach every router with a new table (the workers swap their contexts).
  certificateChanges.subscribe(() => {
    for (const environment of environments.all()) void environment.publish();
  });
  const jobRuns = createJobRunStore(database);
  const monitor = new Monitor({
    jobFailed: (environment, job) => lastRunFailed(jobRuns, environment, job),
    sources: createMonitoringSources(environments, routeTls),
    clock: systemClock,
    emit,
    onEvent: (listener) => timeline.onEvent(listener),
    logger: logger.child({ component: 'monitoring' }),
    rules: () => alertRulesOf(store.latestRevision()),
    rollups: new RollupStore(database),
  });
  const logs = new LogCollector({
    dataDir: config.dataDir,
    clock: systemClock,
    logger,
    instances: () => environments.all().flatMap((environment) => environment.provider.logSources()),
  });
  const controlPlane = new SkiffControlPlane({
    logs,
    store,
    secrets,
    environments,
    sourceEnvironment: config.environment,
    artifacts,
    limits: drivers.process.capabilities.resourceLimits,
    functionPool: () => drivers.function.warmPool?.() ?? { size: 0, warm: 0, memoryBytes: 0 },
    timeline,
    stop: stopRequest,
    certificateFiles,
  });
  const rollouts = new RolloutOperations({
    store,
    deployments,
    secrets,
    state: controlPlane.state,
    environments,
    artifacts,
    clock: systemClock,
    logger: logger.child({ component: 'rollouts' }),
  });
  abortedRollouts.subscribe((deployment) => void rollouts.onRolloutAborted(deployment));
  const runs = new RunOperations({ state: controlPlane.state, environments });
  const pipelines = createPipelineRunner({
    database,
    controlPlane,
    environments,
    baseEnv: config.instanceBaseEnv,
    clock: systemClock,
    logger: logger.child({ component: 'pipeline' }),
  });
  const volumes = new VolumeOperations({
    state: controlPlane.state,
    environments,
    storage: (driver) => drivers[driver].volumes,
    backupDir: path.join(config.dataDir, 'backups'),
    clock: systemClock,
    emit,
  });
  const scheduler = new JobScheduler({
    store: jobRuns,
    clock: systemClock,
    emit,
    jobs: () => scheduledJobs(controlPlane.state, environments),
    startJobRun: commandRunJobRunner((environment) => environments.get(environment)?.runs ?? undefined),
  });
  const branchBuilds = branchBuildPorts({ controlPlane, dataDir: config.dataDir, baseEnv: config.instanceBaseEnv });
  const previews = new PreviewOperations({ store, state: controlPlane.state, environments, clock: systemClock, branches: branchBuilds });
  const branchPreviews = createBranchPreviews({
    controlPlane,
    store,
    previews,
    checkouts: branchBuilds.checkouts,
    audit,
    clock: systemClock,
    onError: (error) => logger.error({ err: error }, 'watching the branches of previews failed; trying again at the next interval'),
  });
  const commitPipelines = createCommitPipelines({
    controlPlane,
    store,
    runner: pipelines,
    dataDir: config.dataDir,
    baseEnv: config.instanceBaseEnv,
    clock: systemClock,
    onError: (pipeline, error) => logger.error({ err: error, pipeline }, 'polling the branch of a commit-started pipeline failed; trying again at its next interval'),
  });
  const gitSources = createGitSources({
    controlPlane,
    store,
    flags,
    dataDir: config.dataDir,
    baseEnv: config.instanceBaseEnv,
    webhookSecrets: config.webhookSecrets,
    pipelines: commitPipelines,
    clock: systemClock,
    onError: (environment, error) => logger.error({ err: error, environment }, 'a git source sync failed; trying again at its next interval'),
    otherBranch: (environment) => branchPreviews.triggerEnvironment(environment),
  });
  // Requests are not logged one by one; failures are.
  const monitoring = monitoringPort(monitor);
  const metricsText = async (): Promise<string> => `${await monitoring.metricsText()}${await flagMetrics.text()}`;
  const app = buildApp({
    controlPlane,
    tokens,
    audit,
    pipelines,
    rollouts,
    runs,
    volumes,
    jobs: new JobOperations({ scheduler, store: jobRuns }),
    previews,
    certificates: new CertificateOperations({
      state: controlPlane.state,
      tls: routeTls,
      acme,
      now: () => systemClock.now(),
    }),
    flags,
    sources: gitSources.port,
    monitoring: { ...monitoring, metricsText },
    version: skiffVersion,
    dataDir: config.dataDir,
    logger: logger.child({ component: 'api' }, { level: 'warn' }),
  });

  const latest = store.latestRevision();
  let containerApi: ContainerListener | null = null;
  monitor.start();
  logs.start();
  try {
    // Refuse a bad file before touching what runs.
    const validation = controlPlane.validate(specSource);
    if (!validation.valid) throw invalidSpec(specSource.file, validation.errors);
    // Adopt what an earlier run left: routers and instances keep running through a restart.
    if (latest) {
      await certificateFiles.replace(certificateRefs(latest.spec, latest.baseDir)).catch((error: unknown) => {
        logger.error({ err: error }, "the last revision's certificate files cannot be used: HTTPS for their hosts fails until they are fixed and the spec applied again");
      });
      await controlPlane.state.follow(latest);
    }
    const applied = await controlPlane.applyFileIfChanged(specSource, { author: os.userInfo().username, message: 'skiff up' });
    for (const built of applied.built ?? []) print(`built ${built.service} ${built.digest} from its source for ${built.environment} (its provider runs built artifacts)`);
    await listen(app, config);
    containerApi = await listenApiForContainers(app, { config, drivers, logger });
    scheduler.recoverLost();
    gitSources.follower.start();
    commitPipelines.start();
    branchPreviews.start();
  } catch (error) {
    stopRetention();
    await monitor.stop();
    await logs.stop();
    // A refused start leaves what an earlier run left running, for the next start to adopt; only
    // what this start began from nothing is stopped.
    if (latest) {
      await environments.detachAll();
      printError('The routers and instances already running were left as they are; the next `skiff up` adopts them.');
    } else {
      await environments.stopAll();
    }
    await closeDrivers(drivers);
    await containerApi?.close();
    await app.close();
    store.close();
    claim.release();
    throw error;
  }

  print(`Skiff ${skiffVersion}: environment ${config.environment}, data in ${config.dataDir}`);
  print(`  dashboard & API  http://${formatHostPort({ host: config.apiHost, port: config.apiPort })}`);
  if (!isLoopback(config.apiHost)) {
    const warning = `the API listens on ${config.apiHost} without TLS: tokens and secrets cross the network in clear text; put it behind a TLS proxy or keep it on 127.0.0.1`;
    printError(`WARNING: ${warning}`);
    logger.warn({ apiHost: config.apiHost }, warning);
  }
  print(`  admin token      ${localToken.file} (${localToken.name}${localToken.created ? ', new' : ''}; the CLI reads it)`);
  const width = Math.max(...environments.all().map((environment) => environment.environment.length));
  for (const environment of environments.all()) {
    print(`  router ${environment.environment.padEnd(width)}  ${environment.routerUrl}`);
  }
  const reporter = new ReadyReporter(controlPlane, config.environment, print);
  reporter.start();
  const schedulerTicks = setInterval(() => {
    try {
      scheduler.tick();
    } catch (error) {
      logger.error({ err: error }, 'the job scheduler failed a tick; trying again at the next');
    }
  }, jobTickMs);

  const previewTicks = setInterval(() => {
    previews.expire().catch((error: unknown) => logger.error({ err: error }, 'could not delete an expired preview; trying again at the next tick'));
  }, previewTickMs);

  const signals = new SignalCounter(['SIGINT', 'SIGTERM']);
  signals.onFirst((signal) => stopRequest.request(signal));
  await stopRequest.requested;
  reporter.stop();
  print('Stopping: instances, routers, server…');
  const stopping = (async () => {
    clearInterval(schedulerTicks);
    await gitSources.follower.stop();
    clearInterval(previewTicks);
    await commitPipelines.stop();
    await branchPreviews.stop();
    await scheduler.close();
    stopRetention();
    await monitor.stop();
    await logs.stop();
    await environments.stopAll();
    await closeDrivers(drivers);
    certificateFiles.close();
  })();
  // A second signal (an impatient user, or a wrapper forwarding the terminal's) never orphans:
  // it makes the stop faster, and the process still exits only once everything is gone.
  signals.onRepeat(() => {
    print(`Still stopping ${describeRunning(environments)}: stopping them at once (SIGKILL, containers removed)…`);
    void environments.stopAll({ immediate: true });
  });
  await stopping;
  // The API closes last, so `skiff stop` sees it go away only when everything has stopped.
  await containerApi?.close();
  await app.close();
  store.close();
  claim.release();
  signals.dispose();
  print('Stopped.');
  return 0;
}

/** The routers' TLS section: the route files' certificates (none: no section). */
function routerTls(certificates: readonly TlsCertificate[]): RouteTls | undefined {
  return certificates.length === 0 ? undefined : { certificates };
}

/** What the drivers hold besides instances (the function driver's warm pool) ends with this process. */
async function closeDrivers(drivers: Readonly<Record<string, Driver>>): Promise<void> {
  await Promise.all(Object.values(drivers).map((driver) => driver.close?.()));
}

function describeRunning(environments: EnvironmentRegistry): string {
  const instances = environments.all().reduce((sum, environment) => sum + environment.instances().length, 0);
  return `${instances} instance(s) and ${environments.all().length} router(s)`;
}

function invalidSpec(file: string, errors: readonly ErrorDetail[]): SkiffError {
  return new SkiffError('SKIFF_SPEC_INVALID', `${file} is invalid: ${errors.length} error(s); nothing was applied and nothing running was touched`, {
    details: errors,
    hint: 'fix the errors listed and start again; `skiff validate` checks a file without applying it',
  });
}

/** The API as an instance on this machine reaches it: a wildcard listen address is reached on loopback. */
function apiUrlForInstances(config: ServerConfig): string {
  const host = config.apiHost === '0.0.0.0' || config.apiHost === '::' ? '127.0.0.1' : config.apiHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.apiPort}`;
}

function readAcmeTrust(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `SKIFF_ACME_CA_FILE=${file} cannot be read: ${(error as Error).message}`, {
      hint: 'point it at a PEM file of the CA certificates to trust for ACME, or unset it',
      path: 'SKIFF_ACME_CA_FILE',
    });
  }
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

