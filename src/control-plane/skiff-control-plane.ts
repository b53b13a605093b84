/**
 * The control plane: the ControlPlane port the API serves, over the store, the spec and the
 * environments its providers run.
 */
import type { CertificateFiles } from '../edge/certificate-files.js';
import { certificateRefs } from './certificate-refs.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {
  ApplyResult,
  BuiltFromSource,
  ArtifactSummary,
  ControlPlane,
  EventQuery,
  EventRecord,
  InstanceStatus,
  LogLine,
  LogQuery,
  PlanResult,
  ReleaseSummary,
  RestoreResult,
  RevisionSummary,
  SecretChange,
  SecretInfo,
  ServiceRollout,
  ServiceStatus,
  SpecCheckOptions,
  SpecSource,
  StatusReport,
  ValidationResult,
} from '../api/control-plane.js';
import { SkiffError } from '../core/errors.js';
import { groupBy } from '../core/group-by.js';
import type { ErrorDetail } from '../core/errors.js';
import { resolveEnvironment } from '../spec/desired.js';
import { parseSpec } from '../spec/parse.js';
import { artifactRelease, planReleasesForApply } from '../spec/release-plan.js';
import type { PlannedRelease } from '../spec/release-plan.js';
import type { Spec } from '../spec/schema.js';
import type { SecretStore } from '../store/secret-store.js';
import type { NewEvent, Revision, StateStore } from '../store/state-store.js';
import type { EnvironmentController } from '../reconcile/environment-controller.js';
import type { Timeline } from './timeline.js';
import { DesiredState, keptPointers, stateHash } from './desired-state.js';
import type { RevisionMeta } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';
import { keepPreviews } from './preview-operations.js';
import type { EnvironmentUnavailable } from './unavailable-environments.js';
import type { ObservedInstance } from '../core/instance.js';
import type { CollectedLine, CollectedQuery, LogCollector } from '../monitoring/log-collector.js';
import type { StopRequest } from '../core/stop-request.js';
import { ReleaseOperations } from './release-operations.js';
import { buildSourceReleases } from './source-builds.js';
import { serviceRollout } from './rollout-summary.js';
import { revisionSummary } from './summaries.js';
import { TimeTravel } from './time-travel.js';
import { createRedactor, redactThenFilter } from '../monitoring/log-redaction.js';
import type { ArtifactPort } from './release-operations.js';
import type { WarmPoolStatus } from '../drivers/driver.js';

export interface SkiffControlPlaneDeps {
  readonly store: StateStore;
  readonly secrets: SecretStore;
  readonly environments: EnvironmentRegistry;
  /** The environment `skiff up` runs: services with nothing deployed run from source there. */
  readonly sourceEnvironment: string;
  readonly artifacts: ArtifactPort;
  /** Resource enforcement where no environment runs yet. */
  readonly limits: { readonly enforced: boolean; readonly reason?: string };
  readonly logs: LogCollector;
  readonly timeline: Timeline;
  readonly stop: StopRequest;
  /** This machine's warm pool of function runtimes (the function driver's), for status. */
  readonly functionPool?: () => WarmPoolStatus;
  /** The routes' certificate files: read and checked at each apply (a bad pair refuses it). */
  readonly certificateFiles?: Pick<CertificateFiles, 'replace' | 'list'>;
}

export class SkiffControlPlane implements ControlPlane {
  readonly state: DesiredState;
  private readonly releaseOperations: ReleaseOperations;
  private readonly timeTravel: TimeTravel;
  private readonly statusCache = new Map<string, { readonly key: string; readonly report: StatusReport }>();

  constructor(private readonly deps: SkiffControlPlaneDeps) {
    this.state = new DesiredState(deps.store, deps.environments, (event) => this.emit(event));
    this.releaseOperations = new ReleaseOperations({
      store: deps.store,
      secrets: deps.secrets,
      state: this.state,
      artifacts: deps.artifacts,
    });
    this.timeTravel = new TimeTravel({ store: deps.store, state: this.state, artifacts: deps.artifacts });
  }

  emit(event: NewEvent): void {
    this.deps.timeline.emit(event);
  }

  validate(source: SpecSource, options: SpecCheckOptions = {}): ValidationResult {
    const checked = this.check(source, options);
    if (!checked.ok) return { valid: false, errors: checked.errors };
    return { valid: true, services: Object.keys(checked.spec.services), environments: Object.keys(checked.spec.environments) };
  }

  /** The spec parsed and, unless told otherwise, checked against this machine, once. */
  private check(source: SpecSource, options: SpecCheckOptions = {}): { ok: true; spec: Spec } | { ok: false; errors: ErrorDetail[] } {
    const parsed = parseSpec(source.text, source.file);
    if (!parsed.ok) return { ok: false, errors: [...parsed.errors] };
    const errors = options.machineChecks === false ? [] : this.machineErrors(parsed.spec, source.baseDir);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, spec: parsed.spec };
  }

  /** Applies the file: a new revision when the desired state it gives differs from the current one. */
  apply(source: SpecSource, options: { author: string; message?: string }): Promise<ApplyResult> {
    return this.applySpec(source, options, 'when-state-differs');
  }

  /**
   * What `skiff up` does with its file: apply it only when the file changed since it was last
   * applied, so restarting the control plane keeps what was scaled or deployed since.
   */
  applyFileIfChanged(source: SpecSource, options: { author: string; message?: string }): Promise<ApplyResult> {
    return this.applySpec(source, options, 'when-file-differs');
  }

  private async applySpec(
    source: SpecSource,
    options: { author: string; message?: string },
    mode: 'when-state-differs' | 'when-file-differs',
  ): Promise<ApplyResult> {
    const checked = this.check(source);
    if (!checked.ok) {
      throw new SkiffError('SKIFF_SPEC_INVALID', `${source.file} is invalid: ${checked.errors.length} error(s); nothing was applied`, {
        details: checked.errors,
        hint: 'fix the errors listed and apply again; `skiff validate` checks a file without applying it',
      });
    }
    const sourceHash = sha256(source.text);
    const latest = this.state.latest();
    // Once an environment follows a git repository, the revisions' base directory is a commit's tree:
    // the same file is then unchanged wherever the synced state runs from (restarting `skiff up` keeps it).
    const fileUnchanged =
      latest !== null && latest.sourceHash === sourceHash && (latest.baseDir === source.baseDir || followsGit(latest.spec));
    const applied = await this.applyChecked(checked.spec, source.baseDir, {
      author: options.author,
      message: options.message ?? `apply ${source.file}`,
      sourceFile: source.file,
      sourceHash,
    }, mode === 'when-file-differs' ? fileUnchanged : undefined);
    if (applied.changed) {
      this.emit({
        type: 'spec.applied',
        actor: options.author,
        message: `revision ${applied.revision.id} applied from ${source.file}`,
        data: { revision: applied.revision.id, hash: applied.revision.hash, newReleases: applied.newReleases },
      });
    }
    return {
      revision: revisionSummary(applied.revision),
      changed: applied.changed,
      environments: Object.keys(applied.spec.environments),
      ...(applied.built.length > 0 ? { built: applied.built } : {}),
    };
  }

  /**
   * Applies the spec a followed git commit gives (see sources/): a new revision with the commit's
   * author, message and id when the desired state it gives differs from the current one.
   */
  async applySynced(request: { spec: Spec; baseDir: string; author: string; message: string; commit: string }): Promise<{ revision: Revision; changed: boolean }> {
    const latest = this.state.latest();
    return this.applyChecked(request.spec, request.baseDir, {
      author: request.author,
      message: request.message,
      // Kept, like a scale keeps them: a restart of `skiff up` with the same file then leaves the synced state alone.
      sourceFile: latest?.sourceFile ?? null,
      sourceHash: latest?.sourceHash ?? null,
      commit: request.commit,
    });
  }

  /** What this machine refuses in a valid spec (service directories missing). */
  machineCheck(spec: Spec, baseDir: string): ErrorDetail[] {
    return this.machineErrors(spec, baseDir);
  }

  /** `unchanged` given: the caller's own test of whether there is anything to apply. */
  private async applyChecked(
    requested: Spec,
    baseDir: string,
    meta: RevisionMeta,
    unchanged?: boolean,
  ): Promise<{ revision: Revision; changed: boolean; newReleases: number; spec: Spec; built: BuiltFromSource[] }> {
    const latest = this.state.latest();
    const spec = keepPreviews(requested, latest);
    // Before anything is recorded: a certificate that cannot be served refuses the whole apply.
    await this.deps.certificateFiles?.replace(certificateRefs(spec, baseDir));
    const sourcePlanned = this.plannedReleases(spec, baseDir);
    const pointers = keptPointers(spec, latest?.releases ?? {});
    const same = unchanged ?? (sourcePlanned.length === 0 && latest?.hash === stateHash(spec, baseDir, pointers));
    if (latest && same) return { revision: latest, changed: false, newReleases: 0, spec, built: [] };

    // Refused before any release is recorded when an environment that would get one has a provider that cannot run it.
    const planning = structuredClone(pointers);
    for (const plan of sourcePlanned) (planning[plan.environment] as Record<string, number>)[plan.service] = 0;
    this.state.assertCanRun(spec, planning);
    const { planned, built } = await buildSourceReleases(sourcePlanned, {
      runsFromSource: (environment) => this.deps.environments.runsFromSource(environment, spec),
      build: (service, environment) => this.releaseOperations.buildFrom(spec, baseDir, { service, environment, author: meta.author, ...(meta.commit ? { commit: meta.commit } : {}) }),
      withArtifact: (plan, digest) => artifactRelease(spec, plan.environment, plan.service, digest, baseDir, this.deps.secrets.versions(plan.environment, plan.service)),
    });
    for (const plan of planned) {
      const release = this.deps.store.createRelease({ ...plan, author: meta.author, commit: meta.commit ?? null });
      (pointers[plan.environment] as Record<string, number>)[plan.service] = release.version;
    }
    const revision = await this.state.commit(spec, baseDir, pointers, meta, { trigger: 'apply', author: meta.author });
    return { revision, changed: true, newReleases: planned.length, spec, built };
  }

  /** The releases an apply of this spec would make. */
  private plannedReleases(spec: Spec, baseDir: string): PlannedRelease[] {
    return planReleasesForApply({
      spec,
      baseDir,
      current: (environment, service) => this.state.currentRelease(environment, service),
      sourceEnvironment: this.deps.sourceEnvironment,
      secrets: (environment, service) => this.deps.secrets.versions(environment, service),
    });
  }

  status(environment: string): StatusReport {
    this.state.assertEnvironment(environment);
    const revision = this.state.latest();
    const runtime = this.deps.environments.get(environment);
    // The same report while nothing in it changed: at thousands of instances, building and
    // serializing it for every poll is what made status slow.
    const key = `${revision?.id ?? 0}/${runtime?.stateVersion() ?? '-'}/${this.deps.environments.availabilityVersion}`;
    const cached = this.statusCache.get(environment);
    const report = cached?.key === key ? cached.report : this.buildStatus(environment, revision, runtime);
    if (cached?.key !== key) this.statusCache.set(environment, { key, report });
    // The pool changes without any change to the environment: read at every call.
    return report.functionPool === null ? report : { ...report, functionPool: this.deps.functionPool?.() ?? null };
  }

  private buildStatus(environment: string, revision: Revision | null, runtime: EnvironmentController | undefined): StatusReport {
    const instances = runtime ? runtime.instances().map(instanceStatus) : [];
    // An environment with nothing deployed has no runtime yet: its services come from the revision.
    const desired =
      runtime?.desiredEnvironment()?.services ??
      (revision ? resolveEnvironment(revision.spec, environment, this.state.releasesOf(revision, environment)).services : []);
    const rolloutOf = (service: string): ServiceRollout | null => {
      const deployment = runtime?.rollouts.latest(service);
      return deployment ? serviceRollout(deployment) : null;
    };
    const limits = runtime?.provider.capabilities.resourceLimits ?? this.deps.limits;
    const byService = groupBy(instances, (instance) => instance.service);
    const services: ServiceStatus[] = desired.map((service) => {
      const mine = byService.get(service.name) ?? [];
      return {
        name: service.name,
        environment,
        release: service.release ?? 'none',
        desired: service.instances,
        ready: mine.filter((instance) => instance.state === 'ready').length,
        routes: service.routes.map((route) => ({ host: route.host ?? null, path: route.path })),
        rollout: rolloutOf(service.name),
        autoscale: runtime?.autoscaleStatus(service.name) ?? null,
      };
    });
    return {
      environment,
      revision: revision ? revisionSummary(revision) : null,
      routerUrl: revision ? this.deps.environments.routerUrlFor(environment, revision) : (runtime?.routerUrl ?? ''),
      limits: { enforced: limits.enforced, reason: limits.reason ?? null },
      // Filled in by status(); null says the environment runs no function.
      functionPool: desired.some((service) => service.driver === 'function') ? undefined : null,
      services,
      instances,
      unavailable: unavailableStatus(this.deps.environments.unavailability(environment)),
      traceUi: revision ? ((revision.spec.environments[environment]?.tracing ?? revision.spec.tracing)?.ui ?? null) : null,
    };
  }

  environments(): readonly string[] {
    return this.state.environmentNames();
  }

  async scale(options: { environment: string; service: string; instances: number; author: string }): Promise<RevisionSummary> {
    const latest = this.state.require();
    this.state.assertEnvironment(options.environment);
    this.state.assertService(options.service);
    if (!Number.isInteger(options.instances) || options.instances < 0 || options.instances > 1000) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `instances must be a whole number from 0 to 1000, got ${options.instances}`, {
        path: 'instances',
      });
    }
    const spec = structuredClone(latest.spec);
    const environment = spec.environments[options.environment] as Spec['environments'][string];
    // A fixed count in the environment turns its autoscaling off there (the environment's setting wins).
    const { autoscale: _autoscale, ...override } = environment.services[options.service] ?? {};
    environment.services[options.service] = { ...override, instances: options.instances };
    const revision = await this.state.commit(spec, latest.baseDir, latest.releases, {
      author: options.author,
      message: `scale ${options.environment}/${options.service} to ${options.instances}`,
      sourceFile: latest.sourceFile,
      sourceHash: latest.sourceHash,
    });
    this.emit({
      type: 'service.scaled',
      environment: options.environment,
      service: options.service,
      actor: options.author,
      message: `${options.service} scaled to ${options.instances} in ${options.environment} (revision ${revision.id})`,
      data: { instances: options.instances, revision: revision.id },
    });
    return revisionSummary(revision);
  }

  build(options: Parameters<ReleaseOperations['build']>[0]): Promise<ArtifactSummary> {
    return this.releaseOperations.build(options);
  }

  artifacts(service: string): Promise<readonly ArtifactSummary[]> {
    return this.releaseOperations.artifacts(service);
  }

  deploy(options: Parameters<ReleaseOperations['deploy']>[0]): Promise<ReleaseSummary> {
    return this.releaseOperations.deploy(options);
  }

  promote(options: Parameters<ReleaseOperations['promote']>[0]): Promise<ReleaseSummary> {
    return this.releaseOperations.promote(options);
  }

  rollback(options: Parameters<ControlPlane['rollback']>[0]): Promise<ReleaseSummary> {
    return this.releaseOperations.rollback(options);
  }

  releases(environment: string, service: string): readonly ReleaseSummary[] {
    return this.releaseOperations.releases(environment, service);
  }

  setSecrets(options: { environment: string; service: string; values: Readonly<Record<string, string>>; author: string }): Promise<SecretChange> {
    return this.releaseOperations.setSecrets(options);
  }

  unsetSecret(options: { environment: string; service: string; name: string; author: string }): Promise<SecretChange> {
    return this.releaseOperations.unsetSecret(options);
  }

  secrets(environment: string, service: string): readonly SecretInfo[] {
    this.state.assertEnvironment(environment);
    this.state.assertService(service);
    return this.deps.secrets.list(environment, service);
  }

  events(query: EventQuery): readonly EventRecord[] {
    return this.deps.store.events(query);
  }

  onEvent(listener: (event: EventRecord) => void): () => void {
    return this.deps.timeline.onEvent(listener);
  }

  revisions(limit: number, environment?: string): readonly RevisionSummary[] {
    if (environment) this.state.assertEnvironment(environment);
    return this.timeTravel.revisions(limit, environment).map(revisionSummary);
  }

  plan(source: SpecSource, options: SpecCheckOptions = {}): PlanResult {
    const checked = this.check(source, options);
    if (!checked.ok) return { valid: false, errors: checked.errors };
    return { valid: true, changes: this.timeTravel.plan(checked.spec, source.baseDir, this.plannedReleases(checked.spec, source.baseDir)) };
  }

  restore(options: { environment: string; to: string; author: string }): Promise<RestoreResult> {
    return this.timeTravel.restore(options);
  }

  async logs(query: LogQuery): Promise<readonly LogLine[]> {
    this.checkLogQuery(query);
    const lines = await this.deps.logs.query(this.collectedQuery(query));
    return redactThenFilter(lines, { redact: this.redactor(query), grep: query.grep, tail: query.tail ?? 100 }).map(logLine);
  }

  /** Replaces the service's secret values in log lines, in case a service prints one. */
  private redactor(query: LogQuery): (line: string) => string {
    const versions = this.deps.secrets.versions(query.environment, query.service);
    return createRedactor(Object.values(this.deps.secrets.values(query.environment, query.service, versions)));
  }

  async followLogs(query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void> {
    this.checkLogQuery(query);
    const view = { redact: this.redactor(query), grep: query.grep };
    await this.deps.logs.follow(this.collectedQuery(query), (line) => redactThenFilter([line], view).forEach((shown) => onLine(logLine(shown))), signal);
  }

  private checkLogQuery(query: LogQuery): void {
    this.state.assertEnvironment(query.environment);
    if (this.state.latest()) this.state.assertService(query.service);
  }

  private collectedQuery(query: LogQuery): CollectedQuery {
    return {
      environment: query.environment,
      service: query.service,
      instance: query.instance,
      release: query.release,
      // Filtering and the tail come after redaction (redactThenFilter).
      since: query.sinceMs === undefined ? undefined : Date.now() - query.sinceMs,
    };
  }

  async shutdown(): Promise<void> {
    this.deps.stop.request('asked through the API');
  }

  /** Checks that need this machine: service directories exist, running environments can take their settings. */
  private machineErrors(spec: Spec, baseDir: string): ErrorDetail[] {
    // Settings a running environment cannot take (a kubeconfig it cannot read) refuse the change; it runs on.
    const errors: ErrorDetail[] = this.deps.environments.settingsErrors(spec);
    for (const [name, service] of Object.entries(spec.services)) {
      const directory = path.resolve(baseDir, service.path);
      if (!fs.existsSync(directory)) {
        errors.push({
          code: 'SKIFF_SERVICE_DIRECTORY_MISSING',
          path: `services.${name}.path`,
          message: `the directory ${directory} does not exist`,
          hint: 'service paths are relative to the directory of the spec file',
        });
      } else if (
        // A handler made by the build command appears only in the artifact; the runtime reports it then.
        service.kind === 'function' && service.handler !== undefined && service.build?.command === undefined &&
        !fs.existsSync(path.resolve(directory, service.handler))
      ) {
        errors.push({
          code: 'SKIFF_FUNCTION_HANDLER_MISSING',
          path: `services.${name}.handler`,
          message: `the handler ${path.resolve(directory, service.handler)} does not exist`,
          hint: `the handler is relative to the service directory ${directory} (the service's \`path\`)`,
        });
      }
    }
    return errors;
  }
}

function logLine(line: CollectedLine): LogLine {
  return { time: new Date(line.time).toISOString(), instance: line.instance, release: line.release, stream: 'stdout', line: line.line };
}

function instanceStatus(instance: ObservedInstance): InstanceStatus {
  return {
    id: instance.id,
    service: instance.service,
    environment: instance.environment,
    release: instance.release,
    state: instance.state,
    address: instance.address ? `${instance.address.host}:${instance.address.port}` : null,
    pid: instance.pid ?? null,
    port: instance.address?.port ?? null,
    node: instance.node ?? null,
    restarts: instance.restarts,
    startedAt: instance.startedAt === null ? null : new Date(instance.startedAt).toISOString(),
    reason: instance.reason,
  };
}

function unavailableStatus(unavailable: EnvironmentUnavailable | null): StatusReport['unavailable'] {
  if (!unavailable) return null;
  return { code: unavailable.code, message: unavailable.message, hint: unavailable.hint, since: new Date(unavailable.since).toISOString() };
}

function followsGit(spec: Spec): boolean {
  return Object.values(spec.environments).some((environment) => environment.source !== undefined);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
