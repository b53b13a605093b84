/**
 * Build once, deploy many: building artifacts, and the release operations (deploy, promote,
 * rollback) that each make a new immutable release and a new revision.
 */
import path from 'node:path';
import type { ArtifactSummary, ReleaseSummary, SecretChange } from '../api/control-plane.js';
import { SkiffError } from '../core/errors.js';
import { contentOf, releaseHash, releaseName } from '../spec/release.js';
import type { Release, ReleaseContent, ReleaseReason } from '../spec/release.js';
import { artifactRelease } from '../spec/release-plan.js';
import type { ImageSpec, Spec, StrategyType } from '../spec/schema.js';
import type { SecretStore } from '../store/secret-store.js';
import type { StateStore } from '../store/state-store.js';
import type { DesiredState } from './desired-state.js';
import type { DeploymentTrigger } from '../reconcile/deployment.js';
import { releaseSummary } from './summaries.js';

/** What the control plane needs of the artifact store. */
export interface ArtifactPort {
  build(options: {
    readonly service: string;
    readonly context: string;
    readonly command: readonly string[] | undefined;
    readonly output: string | undefined;
    /** A docker service's image: built by the engine (`dockerfile`) or pinned by id (`ref`); the digest is the image id. */
    readonly image?: ImageSpec | undefined;
    /** The commit `context` is a clean tree of, recorded on the artifact. */
    readonly commit?: string | undefined;
  }): Promise<ArtifactSummary>;
  /** Newest first. */
  list(service: string): Promise<readonly ArtifactSummary[]>;
  /** A full digest, a unique prefix, or `latest`; throws SKIFF_ARTIFACT_NOT_FOUND / SKIFF_ARTIFACT_AMBIGUOUS. */
  resolve(service: string, version: string): Promise<ArtifactSummary>;
  /** Throws SKIFF_ARTIFACT_DIGEST_MISMATCH or SKIFF_ARTIFACT_NOT_FOUND. */
  verify(digest: string): Promise<void>;
}

/** A commit's clean tree: `baseDir` is the spec file's folder in it. */
export interface CommitTree {
  readonly commit: string;
  readonly baseDir: string;
}

export interface ReleaseOperationsDeps {
  readonly store: StateStore;
  readonly secrets: SecretStore;
  readonly state: DesiredState;
  readonly artifacts: ArtifactPort;
}

/** What started a rollout, for its strategy's default and its events. */
function triggerOf(reason: ReleaseReason): DeploymentTrigger {
  return reason === 'source' || reason === 'parallel' ? 'apply' : reason;
}

export class ReleaseOperations {
  constructor(private readonly deps: ReleaseOperationsDeps) {}

  /** `tree`: build from a commit's clean tree (its spec folder there) instead of the applied base directory. */
  async build(options: { service: string; author: string; tree?: CommitTree | undefined }): Promise<ArtifactSummary> {
    const latest = this.deps.state.require();
    this.deps.state.assertService(options.service);
    return this.buildFrom(latest.spec, options.tree?.baseDir ?? latest.baseDir, { ...options, ...(options.tree ? { commit: options.tree.commit } : {}) });
  }

  /**
   * The build `skiff build` does, of the service as `spec` (being applied, not yet saved) describes
   * it; `environment`: the one whose release needs it, for the events.
   */
  async buildFrom(spec: Spec, baseDir: string, options: { service: string; author: string; environment?: string; commit?: string }): Promise<ArtifactSummary> {
    const service = spec.services[options.service]!;
    const forEnvironment = options.environment === undefined ? {} : { environment: options.environment };
    if (options.environment !== undefined) {
      this.deps.state.event({
        type: 'artifact.building',
        ...forEnvironment,
        service: options.service,
        actor: options.author,
        message: `building ${options.service} from its source: ${options.environment}'s provider runs built artifacts only`,
      });
    }
    const artifact = await this.deps.artifacts.build({
      service: options.service,
      context: path.resolve(baseDir, service.path),
      command: service.build?.command,
      output: service.build?.output,
      image: service.driver === 'docker' ? service.image : undefined,
      ...(options.commit ? { commit: options.commit } : {}),
    });
    this.deps.state.event({
      type: 'artifact.built',
      ...forEnvironment,
      service: options.service,
      actor: options.author,
      message: `built ${options.service} ${artifact.digest} (${artifact.size} bytes)`,
      data: { digest: artifact.digest, size: artifact.size, sourceCommit: artifact.sourceCommit },
    });
    return artifact;
  }

  async artifacts(service: string): Promise<readonly ArtifactSummary[]> {
    this.deps.state.assertService(service);
    return this.deps.artifacts.list(service);
  }

  /** `commit`: the git commit the artifact was built from, recorded on the release. */
  async deploy(options: { service: string; version: string; environment: string; author: string; strategy?: StrategyType; commit?: string | undefined }): Promise<ReleaseSummary> {
    const latest = this.deps.state.require();
    this.deps.state.assertService(options.service);
    this.deps.state.assertEnvironment(options.environment);
    const artifact = await this.deps.artifacts.resolve(options.service, options.version);
    await this.deps.artifacts.verify(artifact.digest);
    const secrets = this.deps.secrets.versions(options.environment, options.service);
    const content = artifactRelease(latest.spec, options.environment, options.service, artifact.digest, latest.baseDir, secrets);
    return this.release({ environment: options.environment, service: options.service, content, reason: 'deploy', author: options.author, strategy: options.strategy, commit: options.commit });
  }

  async promote(options: { service: string; from: string; to: string; author: string; strategy?: StrategyType }): Promise<ReleaseSummary> {
    const latest = this.deps.state.require();
    this.deps.state.assertService(options.service);
    this.deps.state.assertEnvironment(options.from);
    this.deps.state.assertEnvironment(options.to);
    const running = this.deps.state.currentRelease(options.from, options.service);
    if (!running) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${options.service} is not deployed in ${options.from}; there is nothing to promote`, {
        hint: `deploy it there first: skiff deploy ${options.service} latest ${options.from}`,
      });
    }
    if (!running.artifact) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${options.service} runs from its source directory in ${options.from}, not from an artifact`, {
        hint: `build it and deploy the artifact: skiff build ${options.service} && skiff deploy ${options.service} latest ${options.from}`,
      });
    }
    await this.deps.artifacts.verify(running.artifact);
    const secrets = this.deps.secrets.versions(options.to, options.service);
    const content = artifactRelease(latest.spec, options.to, options.service, running.artifact, latest.baseDir, secrets);
    return this.release({
      environment: options.to,
      service: options.service,
      content,
      reason: 'promote',
      author: options.author,
      detail: `from ${options.from} ${releaseName(running)}`,
      strategy: options.strategy,
      // The release promoted carries its commit on: the artifact is the same.
      commit: running.commit,
    });
  }

  async rollback(options: { service: string; environment: string; to?: string; author: string; strategy?: StrategyType }): Promise<ReleaseSummary> {
    this.deps.state.assertService(options.service);
    this.deps.state.assertEnvironment(options.environment);
    const current = this.deps.state.currentRelease(options.environment, options.service);
    if (!current) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${options.service} has no release in ${options.environment} to roll back from`);
    }
    const target = options.to ? this.namedRelease(options.environment, options.service, options.to) : this.previous(current);
    if (target.artifact) await this.deps.artifacts.verify(target.artifact);
    return this.release({
      environment: options.environment,
      service: options.service,
      content: contentOf(target),
      reason: 'rollback',
      author: options.author,
      detail: `to ${releaseName(target)}`,
      strategy: options.strategy,
      commit: target.commit,
    });
  }

  releases(environment: string, service: string): readonly ReleaseSummary[] {
    this.deps.state.assertService(service);
    this.deps.state.assertEnvironment(environment);
    const current = this.deps.state.currentRelease(environment, service);
    return this.deps.store.listReleases(environment, service).map((release) => releaseSummary(release, current?.version === release.version));
  }

  async setSecrets(options: { environment: string; service: string; values: Readonly<Record<string, string>>; author: string }): Promise<SecretChange> {
    this.deps.state.assertService(options.service);
    this.deps.state.assertEnvironment(options.environment);
    const names = Object.keys(options.values);
    const invalid = names.find((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
    if (names.length === 0 || invalid !== undefined) {
      throw new SkiffError('SKIFF_BAD_REQUEST', invalid === undefined ? 'no secret given' : `"${invalid}" is not a valid variable name`, {
        hint: 'secret names are environment variable names: letters, digits and _, not starting with a digit',
        path: 'values',
      });
    }
    this.deps.secrets.set(options.environment, options.service, options.values, options.author);
    return this.afterSecretChange(options.environment, options.service, options.author, `set ${names.join(', ')}`);
  }

  async unsetSecret(options: { environment: string; service: string; name: string; author: string }): Promise<SecretChange> {
    this.deps.state.assertService(options.service);
    this.deps.state.assertEnvironment(options.environment);
    if (!this.deps.secrets.unset(options.environment, options.service, options.name, options.author)) {
      throw new SkiffError('SKIFF_NOT_FOUND', `${options.service} has no secret ${options.name} in ${options.environment}`, { path: 'name' });
    }
    return this.afterSecretChange(options.environment, options.service, options.author, `unset ${options.name}`);
  }

  /** A service running in the environment gets a new release with the new secret versions. */
  private async afterSecretChange(environment: string, service: string, author: string, what: string): Promise<SecretChange> {
    const current = this.deps.state.currentRelease(environment, service);
    const secrets = this.deps.secrets.list(environment, service);
    this.deps.state.event({ type: 'secrets.changed', environment, service, actor: author, message: `secrets of ${service} in ${environment}: ${what}` });
    if (!current) return { secrets, release: null };
    const content = { ...contentOf(current), secrets: this.deps.secrets.versions(environment, service) };
    return { secrets, release: await this.release({ environment, service, content, reason: 'config', author, detail: `(secrets: ${what})`, commit: current.commit }) };
  }

  /** Creates the release, makes it current in a new revision, and records the event. */
  private async release(request: {
    readonly environment: string;
    readonly service: string;
    readonly content: ReleaseContent;
    readonly reason: ReleaseReason;
    readonly author: string;
    readonly detail?: string | undefined;
    readonly strategy?: StrategyType | undefined;
    /** The git commit the release's artifact was built from, when known. */
    readonly commit?: string | null | undefined;
  }): Promise<ReleaseSummary> {
    const { environment, service, content, reason, author, detail, strategy } = request;
    const latest = this.deps.state.require();
    // The same artifact with the same config again: the running release already is it. A second
    // release would name a version no instance runs (its instances keep the first one's name).
    const current = this.deps.state.currentRelease(environment, service);
    if (current && current.configHash === releaseHash(content)) return { ...releaseSummary(current, true), unchanged: true };
    this.deps.state.assertCanRun(latest.spec, { [environment]: { [service]: 0 } });
    const release = this.deps.store.createRelease({ environment, service, content, author, reason, commit: request.commit ?? null });
    const pointers = { ...latest.releases, [environment]: { ...(latest.releases[environment] ?? {}), [service]: release.version } };
    const what = `${reason} ${service} ${releaseName(release)}${content.artifact ? ` (${content.artifact.slice(0, 19)})` : ''} in ${environment}${detail ? ` ${detail}` : ''}`;
    const revision = await this.deps.state.commit(
      latest.spec,
      latest.baseDir,
      pointers,
      { author, message: what, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash },
      { environment, service, trigger: triggerOf(reason), author, ...(strategy ? { strategy } : {}) },
    );
    this.deps.state.event({
      type: `release.${reason}`,
      environment,
      service,
      actor: author,
      message: what,
      data: { release: releaseName(release), artifact: content.artifact, configHash: release.configHash, revision: revision.id },
    });
    return releaseSummary(release, true);
  }

  private namedRelease(environment: string, service: string, name: string): Release {
    const version = /^v?(\d+)$/.exec(name.trim())?.[1];
    const release = version === undefined ? null : this.deps.store.release(environment, service, Number(version));
    if (!release) {
      const known = this.deps.store.listReleases(environment, service, 10).map(releaseName);
      throw new SkiffError('SKIFF_RELEASE_NOT_FOUND', `${service} has no release "${name}" in ${environment}`, {
        hint: known.length ? `releases: ${known.join(', ')}` : 'it has no releases there yet',
        path: 'to',
      });
    }
    return release;
  }

  /** The newest earlier release that runs something else than the current one. */
  private previous(current: Release): Release {
    const earlier = this.deps.store
      .listReleases(current.environment, current.service)
      .find((release) => release.version < current.version && release.configHash !== current.configHash);
    if (!earlier) {
      throw new SkiffError('SKIFF_RELEASE_NOT_FOUND', `${current.service} has no earlier release in ${current.environment} to roll back to`, {
        hint: `see: skiff releases ${current.service} ${current.environment}`,
      });
    }
    return earlier;
  }
}
