/**
 * Artifacts and releases kept in memory for the MemoryControlPlane. Version selection is the real
 * one from `artifacts/`, so digests, prefixes and `latest` behave as on a server. Test hooks:
 * `addArtifact`, `failNextBuild`, `tamper`.
 */
import { createHash } from 'node:crypto';
import type { ArtifactRecord } from '../../artifacts/artifact-record.js';
import { digestOfHex, type Digest } from '../../artifacts/digest.js';
import { selectArtifact } from '../../artifacts/version-spec.js';
import { SkiffError } from '../../core/errors.js';
import type { ArtifactSummary, ReleaseSummary } from '../control-plane.js';

type StoredRelease = Omit<ReleaseSummary, 'current'>;

/** What the book needs from the desired state: checks that throw the usual errors, and config. */
export interface ReleaseScope {
  requireService(service: string): void;
  requireServiceIn(environment: string, service: string): void;
  configHash(environment: string, service: string): string;
}

export class MemoryReleaseBook {
  private readonly artifactList: ArtifactRecord[] = [];
  private readonly releaseList = new Map<string, StoredRelease[]>();
  private readonly current = new Map<string, string>();
  private readonly tampered = new Set<string>();
  private buildFailure: string | undefined;
  private builds = 0;

  constructor(private readonly scope: ReleaseScope) {}

  async build(service: string): Promise<ArtifactSummary> {
    this.scope.requireService(service);
    const failure = this.buildFailure;
    if (failure !== undefined) {
      this.buildFailure = undefined;
      throw new SkiffError('SKIFF_BUILD_FAILED', `the build command of ${service} exited with code 2`, {
        details: [{ code: 'SKIFF_BUILD_FAILED', message: failure }],
        hint: `fix the build and run: skiff build ${service}`,
      });
    }
    this.builds += 1;
    const hex = createHash('sha256').update(`${service}\n${this.builds}`).digest('hex');
    return this.addArtifact({ service, digest: digestOfHex(hex), size: 1024 * this.builds + 512, sourceCommit: null });
  }

  async artifacts(service: string): Promise<readonly ArtifactSummary[]> {
    this.scope.requireService(service);
    return this.artifactList.filter((record) => record.service === service).reverse().map(summaryOf);
  }

  deploy(options: { service: string; environment: string; version: string; author: string }): ReleaseSummary {
    this.scope.requireServiceIn(options.environment, options.service);
    const own = this.artifactList.filter((record) => record.service === options.service);
    const artifact = selectArtifact(options.service, options.version, own);
    return this.release(options.environment, options.service, artifact.digest, options.author, 'deploy');
  }

  promote(options: { service: string; from: string; to: string; author: string }): ReleaseSummary {
    this.scope.requireServiceIn(options.from, options.service);
    this.scope.requireServiceIn(options.to, options.service);
    const running = this.running(options.from, options.service);
    return this.release(options.to, options.service, running.artifact, options.author, 'promote');
  }

  rollback(options: { service: string; environment: string; to?: string; author: string }): ReleaseSummary {
    this.scope.requireServiceIn(options.environment, options.service);
    const key = keyOf(options.environment, options.service);
    const running = this.running(options.environment, options.service);
    const history = this.releaseList.get(key) ?? [];
    const target =
      options.to === undefined
        ? history[history.findIndex((release) => release.version === running.version) - 1]
        : history.find((release) => release.version === options.to);
    if (!target) {
      throw new SkiffError(
        'SKIFF_RELEASE_NOT_FOUND',
        options.to === undefined
          ? `${options.service} in ${options.environment} has no release before ${running.version}`
          : `${options.service} in ${options.environment} has no release ${options.to}`,
        { hint: `list them with: skiff releases ${options.service} ${options.environment}` },
      );
    }
    return this.release(options.environment, options.service, target.artifact, options.author, 'rollback', target.configHash);
  }

  /**
   * A new release reusing `version`'s artifact and config (restore), or the running artifact with
   * the current config when no version is given (a secrets change).
   */
  rerelease(options: { environment: string; service: string; version?: string; author: string; reason: string }): ReleaseSummary {
    const { environment, service } = options;
    if (options.version === undefined) {
      const running = this.running(environment, service);
      return this.release(environment, service, running.artifact, options.author, options.reason);
    }
    const target = (this.releaseList.get(keyOf(environment, service)) ?? []).find((release) => release.version === options.version);
    if (!target) throw new SkiffError('SKIFF_RELEASE_NOT_FOUND', `${service} in ${environment} has no release ${options.version}`);
    return this.release(environment, service, target.artifact, options.author, options.reason, target.configHash);
  }

  /** The version each service runs in the environment now, by service. */
  snapshot(environment: string): ReadonlyMap<string, string> {
    const prefix = `${environment}/`;
    return new Map([...this.current].filter(([key]) => key.startsWith(prefix)).map(([key, version]) => [key.slice(prefix.length), version]));
  }

  releases(environment: string, service: string): readonly ReleaseSummary[] {
    this.scope.requireServiceIn(environment, service);
    const current = this.current.get(keyOf(environment, service));
    return [...(this.releaseList.get(keyOf(environment, service)) ?? [])]
      .reverse()
      .map((release) => ({ ...release, current: release.version === current }));
  }

  /** The version the environment runs, if any. */
  currentVersion(environment: string, service: string): string | undefined {
    return this.current.get(keyOf(environment, service));
  }

  /** Test hook: stores an artifact as a build would (e.g. two digests sharing a prefix). */
  addArtifact(artifact: Pick<ArtifactSummary, 'service' | 'digest' | 'size' | 'sourceCommit'>): ArtifactSummary {
    const now = new Date().toISOString();
    const record: ArtifactRecord = {
      service: artifact.service,
      digest: artifact.digest as Digest,
      size: artifact.size,
      createdAt: now,
      // Builds in one millisecond must still order by build, as `latest` goes by builtAt.
      builtAt: new Date(Date.parse(now) + this.artifactList.length).toISOString(),
      source: artifact.sourceCommit === null ? null : { commit: artifact.sourceCommit, dirty: false },
      buildCommand: null,
      output: null,
    };
    this.artifactList.push(record);
    return summaryOf(record);
  }

  /** Test hook: the next build fails with this output. */
  failNextBuild(output: string): void {
    this.buildFailure = output;
  }

  /** Test hook: the stored bytes of this artifact no longer match its digest. */
  tamper(digest: string): void {
    this.tampered.add(digest);
  }

  private running(environment: string, service: string): StoredRelease {
    const key = keyOf(environment, service);
    const version = this.current.get(key);
    const release = (this.releaseList.get(key) ?? []).find((candidate) => candidate.version === version);
    if (!release) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${service} has no release in ${environment}`, {
        hint: `deploy it first: skiff deploy ${service} latest ${environment}`,
      });
    }
    return release;
  }

  private release(
    environment: string,
    service: string,
    artifact: string | null,
    author: string,
    reason: string,
    configHash = this.scope.configHash(environment, service),
  ): ReleaseSummary {
    if (artifact !== null && this.tampered.has(artifact)) {
      throw new SkiffError('SKIFF_ARTIFACT_DIGEST_MISMATCH', `the stored artifact ${artifact} does not match its digest`, {
        hint: 'the running release keeps serving; build the service again',
      });
    }
    const key = keyOf(environment, service);
    const history = this.releaseList.get(key) ?? [];
    const release: StoredRelease = {
      environment,
      service,
      version: `v${history.length + 1}`,
      artifact,
      configHash,
      author,
      reason,
      createdAt: new Date().toISOString(),
    };
    this.releaseList.set(key, [...history, release]);
    this.current.set(key, release.version);
    return { ...release, current: true };
  }
}

function keyOf(environment: string, service: string): string {
  return `${environment}/${service}`;
}

function summaryOf(record: ArtifactRecord): ArtifactSummary {
  return {
    digest: record.digest,
    service: record.service,
    size: record.size,
    createdAt: record.createdAt,
    sourceCommit: record.source?.commit ?? null,
  };
}
