/**
 * The control plane of `skiff up`: the ControlPlane port the API serves, over the store, the
 * spec and the local supervisor of the environment this server runs.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type {
  ApplyResult,
  ControlPlane,
  EventQuery,
  EventRecord,
  InstanceStatus,
  LogLine,
  LogQuery,
  RevisionSummary,
  ServiceStatus,
  SpecSource,
  StatusReport,
  ValidationResult,
} from '../api/control-plane.js';
import { SkiffError } from '../core/errors.js';
import type { ErrorDetail } from '../core/errors.js';
import type { ResourceEnforcement } from '../drivers/driver.js';
import { followLog, readLogTail } from '../drivers/process/log-rotation.js';
import type { LocalSupervisor } from '../providers/local/supervisor.js';
import { resolveEnvironment } from '../spec/desired.js';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import type { NewEvent, Revision, StateStore } from '../store/state-store.js';

export interface LocalControlPlaneDeps {
  readonly store: StateStore;
  readonly supervisor: LocalSupervisor;
  readonly routerUrl: string;
  readonly limits: ResourceEnforcement;
  readonly logger: Logger;
  /** Publishes the routing table for the current desired and observed state. */
  readonly routesChanged: () => Promise<void>;
  readonly shutdown: () => Promise<void>;
}

export class LocalControlPlane implements ControlPlane {
  private readonly emitter = new EventEmitter();

  constructor(private readonly deps: LocalControlPlaneDeps) {
    this.emitter.setMaxListeners(0);
  }

  /** Appends an event to the timeline, logs it and tells the subscribers. */
  emit(event: NewEvent): void {
    const stored = this.deps.store.appendEvent(event);
    this.deps.logger.info({ event: stored.type, service: stored.service, instance: stored.instance }, stored.message);
    this.emitter.emit('event', stored);
  }

  validate(source: SpecSource): ValidationResult {
    const parsed = parseSpec(source.text, source.file);
    if (!parsed.ok) return { valid: false, errors: parsed.errors };
    const errors = this.deploymentErrors(parsed.spec, source.baseDir);
    if (errors.length > 0) return { valid: false, errors };
    return {
      valid: true,
      services: Object.keys(parsed.spec.services),
      environments: Object.keys(parsed.spec.environments),
    };
  }

  /** Applies the file: a new revision when the desired state it gives differs from the current one. */
  apply(source: SpecSource, options: { author: string; message?: string }): Promise<ApplyResult> {
    return this.applySpec(source, options, 'when-state-differs');
  }

  /**
   * What `skiff up` does with its file: apply it only when the file changed since it was last
   * applied, so restarting the control plane keeps what was scaled since.
   */
  applyFileIfChanged(source: SpecSource, options: { author: string; message?: string }): Promise<ApplyResult> {
    return this.applySpec(source, options, 'when-file-differs');
  }

  private async applySpec(
    source: SpecSource,
    options: { author: string; message?: string },
    mode: 'when-state-differs' | 'when-file-differs',
  ): Promise<ApplyResult> {
    const result = this.validate(source);
    if (!result.valid) {
      throw new SkiffError('SKIFF_SPEC_INVALID', `${source.file} is invalid: ${result.errors.length} error(s); nothing was applied`, {
        details: result.errors,
        hint: 'fix the errors listed and apply again; `skiff validate` checks a file without applying it',
      });
    }
    const parsed = parseSpec(source.text, source.file);
    if (!parsed.ok) throw new SkiffError('SKIFF_INTERNAL', 'the spec changed during apply');
    const sourceHash = sha256(source.text);
    const latest = this.deps.store.latestRevision();
    const unchanged =
      latest !== null &&
      (mode === 'when-file-differs'
        ? latest.sourceHash === sourceHash && latest.baseDir === source.baseDir
        : latest.hash === stateHash(parsed.spec, source.baseDir));
    if (latest && unchanged) {
      return { revision: summary(latest), changed: false, environments: result.environments };
    }
    const revision = this.saveRevision(parsed.spec, source.baseDir, {
      author: options.author,
      message: options.message ?? `apply ${source.file}`,
      sourceFile: source.file,
      sourceHash,
    });
    this.emit({
      type: 'spec.applied',
      actor: options.author,
      message: `revision ${revision.id} applied from ${source.file}`,
      data: { revision: revision.id, hash: revision.hash },
    });
    return { revision: summary(revision), changed: true, environments: result.environments };
  }

  status(environment: string): StatusReport {
    this.assertEnvironment(environment);
    const revision = this.deps.store.latestRevision();
    const supervisor = this.deps.supervisor;
    const running = supervisor.environment === environment;
    const instances = running ? supervisor.instances().map(instanceStatus) : [];
    const desired = running
      ? supervisor.desiredEnvironment()?.services ?? []
      : revision
        ? resolveEnvironment(revision.spec, environment, revision.baseDir).services
        : [];
    const services: ServiceStatus[] = desired.map((service) => {
      const mine = instances.filter((instance) => instance.service === service.name);
      return {
        name: service.name,
        environment,
        release: this.deps.store.releaseFor(environment, service.name, service.configHash),
        desired: service.instances,
        ready: mine.filter((instance) => instance.state === 'ready').length,
        routes: service.routes.map((route) => ({ host: route.host ?? null, path: route.path })),
      };
    });
    return {
      environment,
      revision: revision ? summary(revision) : null,
      routerUrl: this.deps.routerUrl,
      limits: { enforced: this.deps.limits.enforced, reason: this.deps.limits.reason ?? null },
      services,
      instances,
    };
  }

  environments(): readonly string[] {
    const spec = this.deps.store.latestRevision()?.spec;
    return spec ? Object.keys(spec.environments) : [this.deps.supervisor.environment];
  }

  async scale(options: { environment: string; service: string; instances: number; author: string }): Promise<RevisionSummary> {
    const latest = this.requireRevision();
    this.assertEnvironment(options.environment);
    if (!(options.service in latest.spec.services)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `there is no service "${options.service}"`, {
        hint: `services: ${Object.keys(latest.spec.services).join(', ')}`,
        path: 'service',
      });
    }
    if (!Number.isInteger(options.instances) || options.instances < 0 || options.instances > 1000) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `instances must be a whole number from 0 to 1000, got ${options.instances}`, {
        path: 'instances',
      });
    }
    const spec = structuredClone(latest.spec);
    const environment = spec.environments[options.environment] as Spec['environments'][string];
    environment.services[options.service] = { ...environment.services[options.service], instances: options.instances };
    const revision = this.saveRevision(spec, latest.baseDir, {
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
    return summary(revision);
  }

  events(query: EventQuery): readonly EventRecord[] {
    return this.deps.store.events(query);
  }

  onEvent(listener: (event: EventRecord) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  revisions(limit: number): readonly RevisionSummary[] {
    return this.deps.store.listRevisions(limit).map(summary);
  }

  async logs(query: LogQuery): Promise<readonly LogLine[]> {
    const lines: LogLine[] = [];
    for (const instance of this.logInstances(query)) {
      const tail = await readLogTail(instance.logPath, query.tail ?? 100);
      for (const line of tail) lines.push({ instance: instance.id, stream: 'stdout', line });
    }
    return lines;
  }

  async followLogs(query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void> {
    const following = new Set<string>();
    const followStartedAt = Date.now();
    const followNew = (): void => {
      for (const instance of this.logInstances(query)) {
        const key = `${instance.id}:${instance.logPath}`;
        if (following.has(key)) continue;
        following.add(key);
        void followLog(instance.logPath, (line) => onLine({ instance: instance.id, stream: 'stdout', line }), signal, {
          // An instance that started after the follow began is read from its first line.
          fromStart: instance.startedAt >= followStartedAt,
        });
      }
    };
    followNew();
    // Instances started while following (restarts, scale-up) are picked up as they appear.
    const unsubscribe = this.onEvent((event) => {
      if (event.type === 'instance.started' && event.service === query.service) followNew();
    });
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    unsubscribe();
  }

  async shutdown(): Promise<void> {
    await this.deps.shutdown();
  }

  private logInstances(query: LogQuery): { id: string; logPath: string; startedAt: number }[] {
    this.assertEnvironment(query.environment);
    const latest = this.deps.store.latestRevision();
    if (latest && !(query.service in latest.spec.services)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `there is no service "${query.service}"`, { path: 'service' });
    }
    return this.deps.supervisor
      .instances()
      .filter((record) => record.service === query.service && (!query.instance || record.id === query.instance))
      .flatMap((record) =>
        record.logPath ? [{ id: record.id, logPath: record.logPath, startedAt: record.startedAt ?? 0 }] : [],
      );
  }

  /** Checks that need the machine: the environment this server runs exists, service directories exist. */
  private deploymentErrors(spec: Spec, baseDir: string): ErrorDetail[] {
    const errors: ErrorDetail[] = [];
    const environment = this.deps.supervisor.environment;
    if (!(environment in spec.environments)) {
      errors.push({
        code: 'SKIFF_UNKNOWN_ENVIRONMENT',
        path: 'environments',
        message: `this server runs environment "${environment}", which the spec does not define`,
        hint: `add environments.${environment}, or start the server with --env ${Object.keys(spec.environments)[0] ?? 'NAME'}`,
      });
      return errors;
    }
    for (const service of resolveEnvironment(spec, environment, baseDir).services) {
      if (!fs.existsSync(service.directory)) {
        errors.push({
          code: 'SKIFF_SERVICE_DIRECTORY_MISSING',
          path: `services.${service.name}.path`,
          message: `the directory ${service.directory} does not exist`,
          hint: 'service paths are relative to the directory of the spec file',
        });
      }
    }
    return errors;
  }

  private saveRevision(
    spec: Spec,
    baseDir: string,
    meta: { author: string; message: string; sourceFile: string | null; sourceHash: string | null },
  ): Revision {
    const revision = this.deps.store.saveRevision({
      hash: stateHash(spec, baseDir),
      spec,
      baseDir,
      ...meta,
    });
    this.deps.supervisor.setDesired(resolveEnvironment(spec, this.deps.supervisor.environment, baseDir));
    void this.deps.routesChanged();
    return revision;
  }

  private requireRevision(): Revision {
    const latest = this.deps.store.latestRevision();
    if (!latest) throw new SkiffError('SKIFF_NO_REVISION', undefined, { hint: 'apply a spec first: skiff apply skiff.yaml' });
    return latest;
  }

  private assertEnvironment(environment: string): void {
    const known = this.environments();
    if (!known.includes(environment)) {
      throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `there is no environment "${environment}"`, {
        hint: `environments: ${known.join(', ')}`,
        path: 'environment',
      });
    }
  }
}

function instanceStatus(record: ReturnType<LocalSupervisor['instances']>[number]): InstanceStatus {
  return {
    id: record.id,
    service: record.service,
    environment: record.environment,
    release: record.release,
    state: record.state,
    pid: record.running?.handle.pid ?? null,
    port: record.running ? record.port : null,
    restarts: record.restarts,
    startedAt: record.startedAt !== null && record.running ? new Date(record.startedAt).toISOString() : null,
    reason: record.reason,
  };
}

function summary(revision: Revision): RevisionSummary {
  return {
    id: revision.id,
    hash: revision.hash,
    author: revision.author,
    message: revision.message,
    createdAt: revision.createdAt,
  };
}

function stateHash(spec: Spec, baseDir: string): string {
  return sha256(JSON.stringify({ spec, baseDir }));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
