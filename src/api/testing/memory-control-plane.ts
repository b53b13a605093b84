/**
 * A ControlPlane that keeps its state in memory, for API, client and CLI tests. It validates with
 * the real spec schema; instances are records, not processes (the real control plane is tested
 * end to end elsewhere). Test hooks: `appendLog`, `record`, `followers`, `shutdownCalls`, `book`
 * for artifacts and releases (see memory-releases.ts), and `secretBook` for secrets.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { SkiffError, type ErrorDetail } from '../../core/errors.js';
import { desiredInstances } from '../../spec/desired.js';
import { planChanges } from '../../spec/plan.js';
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
  PlanResult,
  ReleaseSummary,
  RestoreResult,
  RevisionSummary,
  SecretChange,
  SecretInfo,
  SpecSource,
  StatusReport,
  ValidationResult,
} from '../control-plane.js';
import { parseRestoreTarget } from '../restore-target.js';
import { MemoryReleaseBook } from './memory-releases.js';
import { MemorySecretBook } from './memory-secrets.js';

/** What a revision changed and what the environments ran then, for `revisions(…, env)` and `restore`. */
interface RevisionScope {
  /** null: every environment (an apply). */
  readonly environments: readonly string[] | null;
  readonly releases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly counts: ReadonlyMap<string, number>;
}

/** Fields that change only count or routing: the running release keeps serving. */
const inPlaceFields = new Set(['instances', 'routes', 'balance']);

interface Options {
  readonly limits?: StatusReport['limits'];
  readonly onShutdown?: () => Promise<void> | void;
}

export class MemoryControlPlane implements ControlPlane {
  readonly revisionList: RevisionSummary[] = [];
  readonly eventList: EventRecord[] = [];
  shutdownCalls = 0;
  private spec: Spec | undefined;
  private baseDir = '';
  private lastHash = '';
  private readonly scopes = new Map<number, RevisionScope>();
  readonly secretBook = new MemorySecretBook();
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
    this.baseDir = source.baseDir;
    this.lastHash = hash;
    this.counts.clear();
    const revision = this.saveRevision(options.author, options.message ?? '', hash, null);
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
      rollout: null,
      autoscale: null,
    }));
    const instances = services.flatMap((service) =>
      Array.from({ length: service.desired }, (_, index): InstanceStatus => ({
        id: `${service.name}-${index + 1}`,
        service: service.name,
        environment,
        release: service.release,
        state: 'ready',
        address: `127.0.0.1:${40_000 + index}`,
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
    if (!Object.hasOwn(spec.services, options.service)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `no service "${options.service}"`, { hint: 'see `skiff status`' });
    }
    this.counts.set(`${options.environment}/${options.service}`, options.instances);
    const revision = this.saveRevision(options.author, `scale ${options.service}=${options.instances}`, this.lastHash, [options.environment]);
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

  revisions(limit: number, environment?: string): readonly RevisionSummary[] {
    const changed = (revision: RevisionSummary): boolean => {
      const scope = this.scopes.get(revision.id)?.environments;
      return environment === undefined || scope === null || scope === undefined || scope.includes(environment);
    };
    return [...this.revisionList].reverse().filter(changed).slice(0, limit);
  }

  plan(source: SpecSource): PlanResult {
    const parsed = this.parse(source);
    if (!parsed.ok) return { valid: false, errors: parsed.errors };
    const current = this.spec ? { spec: this.spec, baseDir: this.baseDir } : null;
    const changes = planChanges(current, { spec: parsed.spec, baseDir: source.baseDir }, []).map((change) => ({
      ...change,
      newRelease: change.change === 'add' || (change.change === 'update' && change.fields.some((f) => !inPlaceFields.has(f.field))),
    }));
    return { valid: true, changes };
  }

  async restore(options: { environment: string; to: string; author: string }): Promise<RestoreResult> {
    this.requireEnvironment(options.environment);
    const parsed = parseRestoreTarget(options.to);
    if (!parsed.ok) throw new SkiffError('SKIFF_BAD_REQUEST', parsed.message, { path: 'body.to' });
    const { target } = parsed;
    const restored =
      target.kind === 'revision'
        ? this.revisionList.find((revision) => revision.id === target.id)
        : this.revisionList.filter((revision) => revision.createdAt <= target.time).at(-1);
    const scope = restored && this.scopes.get(restored.id);
    if (!restored || !scope) {
      throw new SkiffError('SKIFF_NOT_FOUND', `no revision ${target.kind === 'revision' ? target.id : `at or before ${target.time}`}`, {
        hint: `list them with: skiff history --env ${options.environment}`,
      });
    }
    const releases: ReleaseSummary[] = [];
    for (const [service, version] of scope.releases.get(options.environment) ?? new Map<string, string>()) {
      if (this.book.currentVersion(options.environment, service) === version) continue;
      releases.push(this.book.rerelease({ environment: options.environment, service, version, author: options.author, reason: 'restore' }));
    }
    const prefix = `${options.environment}/`;
    for (const key of [...this.counts.keys()]) if (key.startsWith(prefix)) this.counts.delete(key);
    for (const [key, count] of scope.counts) if (key.startsWith(prefix)) this.counts.set(key, count);
    const message = `restore ${options.environment} to revision ${restored.id}`;
    const revision = this.saveRevision(options.author, message, this.lastHash, [options.environment]);
    this.record({ type: 'environment.restored', environment: options.environment, actor: options.author, message });
    return { revision, restored, releases };
  }

  async logs(query: LogQuery): Promise<readonly LogLine[]> {
    const spec = this.requireEnvironment(query.environment);
    if (!Object.hasOwn(spec.services, query.service)) throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `no service "${query.service}"`);
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

  async setSecrets(options: { environment: string; service: string; values: Readonly<Record<string, string>>; author: string }): Promise<SecretChange> {
    this.requireEnvironment(options.environment);
    this.requireService(options.service);
    const secrets = this.secretBook.set(options);
    return { secrets, release: this.secretRelease(options.environment, options.service, options.author) };
  }

  async unsetSecret(options: { environment: string; service: string; name: string; author: string }): Promise<SecretChange> {
    this.requireEnvironment(options.environment);
    this.requireService(options.service);
    const secrets = this.secretBook.unset(options);
    return { secrets, release: this.secretRelease(options.environment, options.service, options.author) };
  }

  secrets(environment: string, service: string): readonly SecretInfo[] {
    this.requireEnvironment(environment);
    this.requireService(service);
    return this.secretBook.list(environment, service);
  }

  async shutdown(): Promise<void> {
    this.shutdownCalls += 1;
    await this.options.onShutdown?.();
  }

  /** Test hook: a line an instance of `service` wrote (time and release default to fixed values). */
  appendLog(service: string, written: Omit<LogLine, 'time' | 'release'> & Partial<Pick<LogLine, 'time' | 'release'>>): void {
    const line: LogLine = { time: '2026-11-26T10:00:00.000Z', release: 'v1', ...written };
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
    const configured = spec ? desiredInstances(spec, environment, service) : 0;
    return this.counts.get(`${environment}/${service}`) ?? configured;
  }

  private saveRevision(author: string, message: string, hash: string, environments: readonly string[] | null): RevisionSummary {
    const revision = { id: this.revisionList.length + 1, hash, author, message, createdAt: new Date().toISOString() };
    this.revisionList.push(revision);
    const releases = new Map(this.environments().map((environment) => [environment, this.book.snapshot(environment)]));
    this.scopes.set(revision.id, { environments, releases, counts: new Map(this.counts) });
    return revision;
  }

  /** A running service gets a new release with its secrets; one that never ran gets them at its first. */
  private secretRelease(environment: string, service: string, author: string): ReleaseSummary | null {
    if (this.book.currentVersion(environment, service) === undefined) return null;
    return this.released(this.book.rerelease({ environment, service, author, reason: 'config' }));
  }

  private released(release: ReleaseSummary): ReleaseSummary {
    this.saveRevision(release.author, `${release.reason} ${release.service} ${release.version} to ${release.environment}`, this.lastHash, [
      release.environment,
    ]);
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
    if (!Object.hasOwn(this.spec.services, service)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `no service "${service}"`, {
        hint: `services: ${Object.keys(this.spec.services).join(', ')}`,
      });
    }
    return this.spec;
  }

  private requireEnvironment(environment: string): Spec {
    if (!this.spec) throw new SkiffError('SKIFF_NO_REVISION', undefined, { hint: 'run `skiff apply` first' });
    if (!Object.hasOwn(this.spec.environments, environment)) {
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
