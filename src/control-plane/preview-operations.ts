/**
 * Preview environments: `create` copies an environment's topology into a new one (every service
 * scaled to a few instances, its own router port) and deploys there the artifacts the source runs
 * now, with the preview's own config (its volumes, no secrets), all in one revision; `delete` is a revision without it, which stops its instances; `expire`
 * deletes the previews whose ttl passed since their last deploy. Everything is checked before
 * anything is recorded, so a refused request changes nothing. A preview of a branch deploys the
 * branch's build instead (see preview-branch-builds.ts), and `redeploy` deploys its new head.
 */
import type { CreatePreview, PreviewView } from '../api/preview-port.js';
import type { ReleaseSummary } from '../api/control-plane.js';
import type { Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { releaseName } from '../spec/release.js';
import { artifactRelease, releaseInEnvironment } from '../spec/release-plan.js';
import type { ReleaseContent } from '../spec/release.js';
import type { PreviewSpec } from '../spec/schema-preview.js';
import type { EnvironmentSpec, Spec } from '../spec/schema.js';
import { nameSchema } from '../spec/schema-values.js';
import type { Revision, StateStore } from '../store/state-store.js';
import type { DesiredState } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';
import { buildBranch } from './preview-branch-builds.js';
import type { BranchBuild, BranchBuildPorts } from './preview-branch-builds.js';

/** Branch previews: the branch's build, and the deploy a new head makes (the release operations' deploy). */
export interface PreviewBranchPorts extends BranchBuildPorts {
  deploy(options: { readonly service: string; readonly version: string; readonly environment: string; readonly author: string; readonly commit: string }): Promise<ReleaseSummary>;
}

export interface PreviewOperationsDeps {
  readonly store: StateStore;
  readonly state: DesiredState;
  readonly environments: Pick<EnvironmentRegistry, 'routerPortFor' | 'routerUrlFor' | 'stop'>;
  readonly clock: Clock;
  /** Without it, `--branch` is refused. */
  readonly branches?: PreviewBranchPorts;
}

const maxInstances = 10;

/** The store's meta key of the branch heads (repository → commit) a preview last deployed. */
export function previewTipsKey(name: string): string {
  return `preview.tips.${name}`;
}

/** The store's meta key of the branch heads at which an automatic preview of the branch was deleted (by hand or its ttl). */
export function expiredBranchKey(from: string, branch: string): string {
  return `preview.expired.${from}.${branch}`;
}

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

  /** `automatic`: made by the source's `previews:` for a branch (deleted when the branch is). */
  async create(options: CreatePreview & { readonly author: string; readonly automatic?: boolean }): Promise<PreviewView> {
    const { name, from, author, branch } = options;
    const instances = options.instances ?? 1;
    checkRequest(this.deps.state.require().spec, options, instances);
    const built = branch === undefined ? null : await this.buildBranch(this.deps.state.require().spec, from, branch, author);
    // Read again after the build: the name may have been taken, or the source changed, meanwhile.
    const latest = this.deps.state.require();
    if (built) checkRequest(latest.spec, options, instances);
    const ttl = options.ttl === undefined ? undefined : parseDuration(options.ttl);
    const preview: PreviewSpec = {
      from,
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      ...(ttl !== undefined ? { ttl } : {}),
      ...(branch !== undefined ? { branch } : {}),
      ...(options.automatic ? { automatic: true } : {}),
    };
    // A preview follows no repository itself and makes no previews: its branch is its source's.
    const { source: _followed, previews: _policy, ...source } = latest.spec.environments[from] as EnvironmentSpec;
    const environment: EnvironmentSpec = {
      ...structuredClone(source),
      routerPort: this.freeRouterPort(latest),
      services: Object.fromEntries(Object.keys(latest.spec.services).map((service) => [service, { ...source.services[service], instances, autoscale: undefined }])),
      preview,
    };
    const spec: Spec = { ...latest.spec, environments: { ...latest.spec.environments, [name]: stripUndefined(environment) } };
    // The branch's build where there is one, else what the source runs now.
    const planned = Object.keys(latest.spec.services).flatMap((service): { service: string; content: ReleaseContent; commit: string | null; what: string }[] => {
      const artifact = built?.artifacts[service];
      if (artifact) {
        const content = artifactRelease(spec, name, service, artifact.digest, latest.baseDir);
        return [{ service, content, commit: artifact.commit, what: `${service} ${artifact.digest.slice(0, 19)}` }];
      }
      const release = this.deps.state.currentRelease(from, service);
      return release ? [{ service, content: releaseInEnvironment(spec, name, latest.baseDir, release), commit: release.commit ?? null, what: `${service} ${releaseName(release)}` }] : [];
    });
    if (planned.length === 0) {
      throw new SkiffError('SKIFF_PREVIEW_INVALID', `nothing runs in ${from}: a preview of it would run nothing`, { path: 'from', hint: `deploy to ${from} first` });
    }
    this.deps.state.assertCanRun(spec, { [name]: Object.fromEntries(planned.map((release) => [release.service, 0])) });
    const pointers: Record<string, number> = {};
    for (const release of planned) {
      const reason = built?.artifacts[release.service] ? 'deploy' : 'promote';
      pointers[release.service] = this.deps.store.createRelease({ environment: name, service: release.service, content: release.content, author, reason, commit: release.commit }).version;
    }
    const at = built ? ` at ${built.branch} ${built.commit.sha.slice(0, 12)} "${built.commit.subject}"` : '';
    const what = `preview ${name} of ${from}${at}: ${planned.map((release) => release.what).join(', ')}`;
    // Before the revision: the branch watcher, seeing the preview, must see what it was built from.
    if (built) this.deps.store.setMeta(previewTipsKey(name), JSON.stringify(built.tips));
    const revision = await this.deps.state.commit(
      spec,
      latest.baseDir,
      { ...latest.releases, [name]: pointers },
      { author, message: what, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash },
      { environment: name, trigger: 'promote', author },
    );
    this.deps.state.event({
      type: 'preview.created',
      environment: name,
      actor: author,
      message: what,
      data: { from, instances, ttlMs: ttl ?? null, branch: branch ?? null, commit: built?.commit.sha ?? null, automatic: options.automatic ?? false },
    });
    return this.view(revision, name, preview);
  }

  /** Deploys the head of a branch preview's branch now, built as `create` builds it; each service a release with its commit. */
  async redeploy(options: { readonly name: string; readonly author?: string }): Promise<PreviewView> {
    const latest = this.deps.state.require();
    const preview = this.previewOf(latest, options.name);
    if (preview.branch === undefined) {
      throw new SkiffError('SKIFF_PREVIEW_INVALID', `preview ${options.name} deploys no branch: it runs what ${preview.from} ran when it was made`, {
        path: 'name',
        hint: `deploy to it like to any environment: skiff deploy SERVICE VERSION ${options.name}`,
      });
    }
    const built = await this.buildBranch(latest.spec, preview.from, preview.branch, options.author ?? 'skiff-source');
    const author = options.author ?? `${built.commit.author} <${built.commit.email}>`;
    const deployed: string[] = [];
    for (const [service, artifact] of Object.entries(built.artifacts)) {
      const release = await this.ports().deploy({ service, version: artifact.digest, environment: options.name, author, commit: artifact.commit });
      deployed.push(`${service} ${release.version}`);
    }
    this.deps.store.setMeta(previewTipsKey(options.name), JSON.stringify(built.tips));
    const what = `preview ${options.name} deploys ${built.branch} ${built.commit.sha.slice(0, 12)} "${built.commit.subject}": ${deployed.join(', ')}`;
    this.deps.state.event({ type: 'preview.updated', environment: options.name, actor: author, message: what, data: { from: preview.from, branch: built.branch, commit: built.commit.sha } });
    const revision = this.deps.state.require();
    return this.view(revision, options.name, this.previewOf(revision, options.name));
  }

  private buildBranch(spec: Spec, from: string, branch: string, author: string): Promise<BranchBuild> {
    return buildBranch(this.ports(), { spec, from, branch, author });
  }

  private ports(): PreviewBranchPorts {
    if (this.deps.branches) return this.deps.branches;
    throw new SkiffError('SKIFF_PREVIEW_INVALID', 'this server builds no branches', { path: 'branch', hint: 'leave out --branch' });
  }

  /** `why`: told in the event and the revision (a branch deleted). */
  async delete(options: { readonly name: string; readonly author: string; readonly reason?: 'deleted' | 'expired'; readonly why?: string }): Promise<void> {
    const latest = this.deps.state.require();
    const preview = this.previewOf(latest, options.name);
    const { [options.name]: _gone, ...environments } = latest.spec.environments;
    const { [options.name]: _pointers, ...releases } = latest.releases;
    const reason = options.reason ?? 'deleted';
    if (preview.automatic && preview.branch !== undefined) {
      // Not made again for the same commits: a preview deleted by hand or expired stays away until a push.
      this.deps.store.setMeta(expiredBranchKey(preview.from, preview.branch), this.deps.store.getMeta(previewTipsKey(options.name)) ?? '{}');
    }
    const what = reason === 'expired' ? `preview ${options.name} expired: no deploy for ${preview.ttl ?? 0} ms` : `preview ${options.name} deleted${options.why ? `: ${options.why}` : ''}`;
    await this.deps.state.commit({ ...latest.spec, environments }, latest.baseDir, releases, { author: options.author, message: what, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash });
    this.deps.state.event({ type: `preview.${reason}`, environment: options.name, actor: options.author, message: what, data: { from: preview.from, branch: preview.branch ?? null } });
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
    const tips = preview.branch === undefined ? null : this.deps.store.getMeta(previewTipsKey(name));
    return {
      name,
      from: preview.from,
      branch: preview.branch ?? null,
      commit: tips === null ? null : (Object.values(JSON.parse(tips) as Record<string, string>)[0] ?? null),
      automatic: preview.automatic ?? false,
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
