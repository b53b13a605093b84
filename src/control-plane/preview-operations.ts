/**
 * Preview environments: `create` copies an environment's topology into a new one (every service
 * scaled to a few instances, its own router port) and deploys there the artifacts the source runs
 * now, with the preview's own config (its volumes, no secrets), all in one revision; `delete` is a revision without it, which stops its instances; `expire`
 * deletes the previews whose ttl passed since their last deploy. Everything is checked before
 * anything is recorded, so a refused request changes nothing.
 */
import type { CreatePreview, PreviewView } from '../api/preview-port.js';
import type { Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { releaseName } from '../spec/release.js';
import { releaseInEnvironment } from '../spec/release-plan.js';
import type { PreviewSpec } from '../spec/schema-preview.js';
import type { EnvironmentSpec, Spec } from '../spec/schema.js';
import { nameSchema } from '../spec/schema-values.js';
import type { Revision, StateStore } from '../store/state-store.js';
import type { DesiredState } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';

export interface PreviewOperationsDeps {
  readonly store: StateStore;
  readonly state: DesiredState;
  readonly environments: Pick<EnvironmentRegistry, 'routerPortFor' | 'routerUrlFor' | 'stop'>;
  readonly clock: Clock;
}

const maxInstances = 10;

export class PreviewOperations {
  private expiring = false;

  constructor(private readonly deps: PreviewOperationsDeps) {}

  list(): PreviewView[] {
    const latest = this.deps.state.latest();
    if (!latest) return [];
    return Object.entries(latest.spec.environments).flatMap(([name, environment]) => (environment.preview ? [this.view(latest, name, environment.preview)] : []));
  }

  sourceOf(name: string): string {
    return this.previewOf(this.deps.state.require(), name).from;
  }

  async create(options: CreatePreview & { readonly author: string }): Promise<PreviewView> {
    const latest = this.deps.state.require();
    const { name, from, author } = options;
    const instances = options.instances ?? 1;
    checkRequest(latest.spec, options, instances);
    const ttl = options.ttl === undefined ? undefined : parseDuration(options.ttl);
    const preview: PreviewSpec = { from, createdAt: new Date(this.deps.clock.now()).toISOString(), ...(ttl !== undefined ? { ttl } : {}) };
    const source = latest.spec.environments[from] as EnvironmentSpec;
    const environment: EnvironmentSpec = {
      ...structuredClone(source),
      routerPort: this.freeRouterPort(latest),
      services: Object.fromEntries(Object.keys(latest.spec.services).map((service) => [service, { ...source.services[service], instances, autoscale: undefined }])),
      preview,
    };
    const spec: Spec = { ...latest.spec, environments: { ...latest.spec.environments, [name]: stripUndefined(environment) } };
    const running = Object.keys(latest.spec.services).flatMap((service) => {
      const release = this.deps.state.currentRelease(from, service);
      return release ? [release] : [];
    });
    if (running.length === 0) {
      throw new SkiffError('SKIFF_PREVIEW_INVALID', `nothing runs in ${from}: a preview of it would run nothing`, { path: 'from', hint: `deploy to ${from} first` });
    }
    this.deps.state.assertCanRun(spec, { [name]: Object.fromEntries(running.map((release) => [release.service, 0])) });
    const pointers: Record<string, number> = {};
    for (const release of running) {
      const content = releaseInEnvironment(spec, name, latest.baseDir, release);
      pointers[release.service] = this.deps.store.createRelease({ environment: name, service: release.service, content, author, reason: 'promote' }).version;
    }
    const what = `preview ${name} of ${from}: ${running.map((release) => `${release.service} ${releaseName(release)}`).join(', ')}`;
    const revision = await this.deps.state.commit(
      spec,
      latest.baseDir,
      { ...latest.releases, [name]: pointers },
      { author, message: what, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash },
      { environment: name, trigger: 'promote', author },
    );
    this.deps.state.event({ type: 'preview.created', environment: name, actor: author, message: what, data: { from, instances, ttlMs: ttl ?? null } });
    return this.view(revision, name, preview);
  }

  async delete(options: { readonly name: string; readonly author: string; readonly reason?: 'deleted' | 'expired' }): Promise<void> {
    const latest = this.deps.state.require();
    const preview = this.previewOf(latest, options.name);
    const { [options.name]: _gone, ...environments } = latest.spec.environments;
    const { [options.name]: _pointers, ...releases } = latest.releases;
    const reason = options.reason ?? 'deleted';
    const what = reason === 'expired' ? `preview ${options.name} expired: no deploy for ${preview.ttl ?? 0} ms` : `preview ${options.name} deleted`;
    await this.deps.state.commit({ ...latest.spec, environments }, latest.baseDir, releases, { author: options.author, message: what, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash });
    this.deps.state.event({ type: `preview.${reason}`, environment: options.name, actor: options.author, message: what, data: { from: preview.from } });
    // The revision stops its instances; its router goes too, so nothing of it is left running.
    await this.deps.environments.stop(options.name);
  }

  /**
   * Deletes each preview whose ttl has passed since its last deploy; the names deleted. A call
   * while one is still stopping what it deleted does nothing (the next tick looks again).
   */
  async expire(): Promise<string[]> {
    if (this.expiring) return [];
    this.expiring = true;
    try {
      const now = this.deps.clock.now();
      const expired = this.list().filter((preview) => preview.expiresAt !== null && Date.parse(preview.expiresAt) <= now);
      for (const preview of expired) await this.delete({ name: preview.name, author: 'skiff', reason: 'expired' });
      return expired.map((preview) => preview.name);
    } finally {
      this.expiring = false;
    }
  }

  private previewOf(revision: Revision, name: string): PreviewSpec {
    const preview = revision.spec.environments[name]?.preview;
    if (preview) return preview;
    const previews = Object.entries(revision.spec.environments).filter(([, environment]) => environment.preview).map(([key]) => key);
    throw new SkiffError('SKIFF_PREVIEW_NOT_FOUND', `there is no preview "${name}"${revision.spec.environments[name] ? ` (${name} is an environment of the spec, not a preview)` : ''}`, {
      path: 'name',
      hint: previews.length > 0 ? `previews: ${previews.join(', ')}` : 'make one: skiff preview create NAME --from ENV',
    });
  }

  private view(revision: Revision, name: string, preview: PreviewSpec): PreviewView {
    const services: Record<string, string> = {};
    let lastDeploy = Date.parse(preview.createdAt);
    for (const [service, version] of Object.entries(revision.releases[name] ?? {})) {
      const release = this.deps.store.release(name, service, version);
      if (!release) continue;
      services[service] = releaseName(release);
      lastDeploy = Math.max(lastDeploy, Date.parse(release.createdAt));
    }
    return {
      name,
      from: preview.from,
      createdAt: preview.createdAt,
      ttlMs: preview.ttl ?? null,
      lastDeployAt: new Date(lastDeploy).toISOString(),
      expiresAt: preview.ttl === undefined ? null : new Date(lastDeploy + preview.ttl).toISOString(),
      routerUrl: this.deps.environments.routerUrlFor(name, revision),
      services,
    };
  }

  /** The port after every environment's, so no environment's port moves when a preview comes or goes. */
  private freeRouterPort(revision: Revision): number {
    const used = Object.keys(revision.spec.environments).map((environment) => this.deps.environments.routerPortFor(environment, revision));
    return Math.max(...used) + 1;
  }
}

/**
 * The spec of an apply with the previews of the latest revision kept: a file does not list them,
 * and applying it must not delete them. A preview whose source environment left goes too.
 */
export function keepPreviews(spec: Spec, latest: Revision | null): Spec {
  const kept = Object.entries(latest?.spec.environments ?? {}).filter(
    ([name, environment]) => environment.preview && !Object.hasOwn(spec.environments, name) && Object.hasOwn(spec.environments, environment.preview.from),
  );
  return kept.length === 0 ? spec : { ...spec, environments: { ...spec.environments, ...Object.fromEntries(kept) } };
}

function checkRequest(spec: Spec, options: CreatePreview, instances: number): void {
  if (!nameSchema.safeParse(options.name).success) {
    throw new SkiffError('SKIFF_PREVIEW_INVALID', `"${options.name}" is not a valid environment name`, { path: 'name', hint: 'lowercase letters, digits and dashes, starting with a letter (at most 63)' });
  }
  if (Object.hasOwn(spec.environments, options.name)) {
    throw new SkiffError('SKIFF_PREVIEW_EXISTS', `environment "${options.name}" exists already`, {
      path: 'name',
      hint: spec.environments[options.name]?.preview ? `delete it first: skiff preview delete ${options.name}` : 'choose another name for the preview',
    });
  }
  if (!Object.hasOwn(spec.environments, options.from)) {
    throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `there is no environment "${options.from}" to preview`, { path: 'from', hint: `environments: ${Object.keys(spec.environments).join(', ')}` });
  }
  if (!Number.isInteger(instances) || instances < 1 || instances > maxInstances) {
    throw new SkiffError('SKIFF_PREVIEW_INVALID', `a preview runs 1 to ${maxInstances} instances of each service, got ${instances}`, { path: 'instances' });
  }
  if (options.ttl !== undefined) {
    const ttl = parseDuration(options.ttl);
    if (ttl === undefined || ttl <= 0) {
      throw new SkiffError('SKIFF_PREVIEW_INVALID', `ttl "${options.ttl}" is not a duration`, { path: 'ttl', hint: 'e.g. --ttl 2h, 30m or 90s' });
    }
  }
}

/** The spec as a parse gives it: no keys with undefined values (revisions are compared by their JSON). */
function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
