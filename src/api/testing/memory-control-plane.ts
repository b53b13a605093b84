/**
 * A ControlPlane that keeps its state in memory, for API, client and CLI tests. It validates with
 * the real spec schema; instances are records, not processes (the real control plane is tested
 * end to end elsewhere). Test hooks: `appendLog`, `record`, `followers`, `shutdownCalls`, and
 * `book` for artifacts and releases (see memory-releases.ts).
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { SkiffError, type ErrorDetail } from '../../core/errors.js';
import { specSchema, type Spec } from '../../spec/schema.js';
import type {
  ApplyResult,
  ArtifactSummary,
  ControlPlane,
  EventQuery,
  EventRecord,
  InstanceStatus,
  LogLine,
  LogQuery,
  ReleaseSummary,
  RevisionSummary,
  SpecSource,
  StatusReport,
  ValidationResult,
} from '../control-plane.js';
import { MemoryReleaseBook } from './memory-releases.js';

interface Options {
  readonly limits?: StatusReport['limits'];
  readonly onShutdown?: () => Promise<void> | void;
}

export class MemoryControlPlane implements ControlPlane {
  readonly revisionList: RevisionSummary[] = [];
  readonly eventList: EventRecord[] = [];
  shutdownCalls = 0;
  private spec: Spec | undefined;
  private lastHash = '';
  private readonly counts = new Map<string, number>();
  private readonly logLines: { service: string; line: LogLine }[] = [];
  private readonly listeners = new Set<(event: EventRecord) => void>();
  private readonly logFollowers = new Set<{ query: LogQuery; onLine: (line: LogLine) => void }>();
  readonly book = new MemoryReleaseBook({
    requireService: (service) => this.requireService(service),
    requireServiceIn: (environment, service) => {
      this.requireEnvironment(environment);
      this.requireService(service);
    },
    configHash: (environment, service) =>
      createHash('sha256')
        .update(JSON.stringify([this.spec?.services[service], this.spec?.environments[environment]?.services[service] ?? null]))
        .digest('hex')
        .slice(0, 12),
  });

  constructor(private readonly options: Options = {}) {}

  validate(source: SpecSource): ValidationResult {
    const parsed = this.parse(source);
    if (!parsed.ok) return { valid: false, errors: parsed.errors };
    return { valid: true, services: Object.keys(parsed.spec.services), environments: Object.keys(parsed.spec.environments) };
  }

  async apply(source: SpecSource, options: { readonly author: string; readonly message?: string }): Promise<ApplyResult> {
    const parsed = this.parse(source);
    if (!parsed.ok) throw new SkiffError('SKIFF_SPEC_INVALID', `${source.file} is invalid`, { details: parsed.errors });
    const hash = createHash('sha256').update(source.text).digest('hex').slice(0, 12);
    const environments = Object.keys(parsed.spec.environments);
    const current = this.revisionList.at(-1);
    if (current && hash === this.lastHash) return { revision: current, changed: false, environments };
    this.spec = parsed.spec;
    this.lastHash = hash;
    this.counts.clear();
    const revision = this.saveRevision(options.author, options.message ?? '', hash);
    this.record({ type: 'spec.applied', actor: options.author, message: `revision ${revision.id} applied` });
    return { revision, changed: true, environments };
  }

  status(environment: string): StatusReport {
    const spec = this.requireEnvironment(environment);
    const services = Object.entries(spec.services).map(([name, service]) => ({
      name,
      environment,
      release: this.book.currentVersion(environment, name) ?? 'v1',
      desired: this.desired(environment, name),
      ready: this.desired(environment, name),
      routes: service.routes.map((route) => ({ host: route.host ?? null, path: route.path })),
    }));
    const instances = services.flatMap((service) =>
      Array.from({ length: service.desired }, (_, index): InstanceStatus => ({
        id: `${service.name}-${index + 1}`,
        service: service.name,
        environment,
        release: service.release,
        state: 'ready',
        pid: 10_000 + index,
        port: 40_000 + index,
        restarts: 0,
        startedAt: new Date(0).toISOString(),
        reason: null,
      })),
    );
    return {
      environment,
      revision: this.revisionList.at(-1) ?? null,
      routerUrl: 'http://127.0.0.1:8080',
      limits: this.options.limits ?? { enforced: true, reason: null },
      services,
      instances,
    };
  }

  environments(): readonly string[] {
    return Object.keys(this.spec?.environments ?? {});
  }

  async scale(options: { environment: string; service: string; instances: number; author: string }): Promise<RevisionSummary> {
    const spec = this.requireEnvironment(options.environment);
    if (!(options.service in spec.services)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `no service "${options.service}"`, { hint: 'see `skiff status`' });
    }
    this.counts.set(`${options.environment}/${options.service}`, options.instances);
    const revision = this.saveRevision(options.author, `scale ${options.service}=${options.instances}`, this.lastHash);
    this.record({ type: 'service.scaled', environment: options.environment, service: options.service, actor: options.author, message: `scaled to ${options.instances}` });
    return revision;
  }

  events(query: EventQuery): readonly EventRecord[] {
    const matching = this.eventList.filter(
      (event) =>
        (query.environment === undefined || event.environment === query.environment) &&
        (query.service === undefined || event.service === query.service) &&
        (query.type === undefined || event.type === query.type) &&
        (query.afterId === undefined || event.id > query.afterId),
    );
    return matching.slice(-(query.limit ?? 100));
  }

  onEvent(listener: (event: EventRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  revisions(limit: number): readonly RevisionSummary[] {
    return [...this.revisionList].reverse().slice(0, limit);
  }

  async logs(query: LogQuery): Promise<readonly LogLine[]> {
    const spec = this.requireEnvironment(query.environment);
    if (!(query.service in spec.services)) throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `no service "${query.service}"`);
    const matching = this.logLines
      .filter((entry) => entry.service === query.service && matches(query, entry.line))
      .map((entry) => entry.line);
    return query.tail === undefined ? matching : matching.slice(Math.max(0, matching.length - query.tail));
  }

  async followLogs(query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void> {
    const follower = { query, onLine };
    this.logFollowers.add(follower);
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.logFollowers.delete(follower);
  }

  build(options: { service: string; author: string }): Promise<ArtifactSummary> {
    return this.book.build(options.service);
  }

  artifacts(service: string): Promise<readonly ArtifactSummary[]> {
    return this.book.artifacts(service);
  }

  async deploy(options: { service: string; version: string; environment: string; author: string }): Promise<ReleaseSummary> {
    return this.released(this.book.deploy(options));
  }

  async promote(options: { service: string; from: string; to: string; author: string }): Promise<ReleaseSummary> {
    return this.released(this.book.promote(options));
  }

  async rollback(options: { service: string; environment: string; to?: string; author: string }): Promise<ReleaseSummary> {
    return this.released(this.book.rollback(options));
  }

  releases(environment: string, service: string): readonly ReleaseSummary[] {
    return this.book.releases(environment, service);
  }

  async shutdown(): Promise<void> {
    this.shutdownCalls += 1;
    await this.options.onShutdown?.();
  }

  /** Test hook: a line an instance of `service` wrote. */
  appendLog(service: string, line: LogLine): void {
    this.logLines.push({ service, line });
    for (const follower of this.logFollowers) {
      if (follower.query.service === service && matches(follower.query, line)) follower.onLine(line);
    }
  }

  /** Test hook: how many log followers are attached now. */
  get followers(): number {
    return this.logFollowers.size;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Test hook: stores an event and tells the subscribers. */
  record(event: Partial<EventRecord> & Pick<EventRecord, 'type' | 'message'>): EventRecord {
    const stored: EventRecord = {
      id: this.eventList.length + 1,
      time: new Date().toISOString(),
      environment: null,
      service: null,
      instance: null,
      actor: 'skiff',
      data: {},
      ...event,
    };
    this.eventList.push(stored);
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  private desired(environment: string, service: string): number {
    const spec = this.spec;
    const configured = spec?.environments[environment]?.services[service]?.instances ?? spec?.services[service]?.instances ?? 0;
    return this.counts.get(`${environment}/${service}`) ?? configured;
  }

  private saveRevision(author: string, message: string, hash: string): RevisionSummary {
    const revision = { id: this.revisionList.length + 1, hash, author, message, createdAt: new Date().toISOString() };
    this.revisionList.push(revision);
    return revision;
  }

  private released(release: ReleaseSummary): ReleaseSummary {
    this.saveRevision(release.author, `${release.reason} ${release.service} ${release.version} to ${release.environment}`, this.lastHash);
    this.record({
      type: 'release.created',
      environment: release.environment,
      service: release.service,
      actor: release.author,
      message: `${release.version} (${release.reason})`,
    });
    return release;
  }

  private requireService(service: string): Spec {
    if (!this.spec) throw new SkiffError('SKIFF_NO_REVISION', undefined, { hint: 'run `skiff apply` first' });
    if (!(service in this.spec.services)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `no service "${service}"`, {
        hint: `services: ${Object.keys(this.spec.services).join(', ')}`,
      });
    }
    return this.spec;
  }

  private requireEnvironment(environment: string): Spec {
    if (!this.spec) throw new SkiffError('SKIFF_NO_REVISION', undefined, { hint: 'run `skiff apply` first' });
    if (!(environment in this.spec.environments)) {
      throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `no environment "${environment}"`, {
        hint: `environments: ${Object.keys(this.spec.environments).join(', ')}`,
      });
    }
    return this.spec;
  }

  private parse(source: SpecSource): { ok: true; spec: Spec } | { ok: false; errors: ErrorDetail[] } {
    let document: unknown;
    try {
      document = parseYaml(source.text);
    } catch (error) {
      return { ok: false, errors: [{ code: 'SKIFF_SPEC_YAML_SYNTAX', message: (error as Error).message }] };
    }
    const result = specSchema.safeParse(document);
    if (result.success) return { ok: true, spec: result.data };
    return {
      ok: false,
      errors: result.error.issues.map((issue) => ({
        code: 'SKIFF_SPEC_INVALID_VALUE',
        path: issue.path.join('.'),
        message: issue.message,
        position: { file: source.file, line: 1, column: 1 },
      })),
    };
  }
}

function matches(query: LogQuery, line: LogLine): boolean {
  return query.instance === undefined || line.instance === query.instance;
}
