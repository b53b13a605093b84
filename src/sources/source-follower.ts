/**
 * Every environment whose applied spec has a `source:`: synced at its interval, at once on a
 * webhook, and on request. Environments that gain or lose a source are picked up at the next tick.
 */
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Exec } from './git-exec.js';
import { GitMirror } from './git-mirror.js';
import { SourceSync } from './source-sync.js';
import type { SyncTarget } from './source-sync.js';
import type { DriftChange } from './drift.js';
import type { SyncStatus } from './sync-status.js';
import { Ticker } from './ticker.js';

export interface SourceFollowerDeps {
  readonly target: SyncTarget;
  /** The data directory: mirrors and checked-out trees go under `sources/`. */
  readonly dataDir: string;
  readonly exec: Exec;
  readonly clock: Clock;
  /** A sync that failed for a reason that is not the repository's (a bug, a full disk). */
  readonly onError: (environment: string, error: unknown) => void;
  /** How often due syncs are looked for; default 500 ms. */
  readonly tickMs?: number;
}

export class SourceFollower {
  private readonly syncs = new Map<string, SourceSync>();
  private readonly started = new Map<string, number>();
  private readonly ticker: Ticker;

  constructor(private readonly deps: SourceFollowerDeps) {
    this.ticker = new Ticker(() => this.tick(), deps.tickMs ?? 500);
  }

  start(): void {
    this.ticker.start();
  }

  async stop(): Promise<void> {
    this.ticker.stop();
    await Promise.all([...this.syncs.values()].map((sync) => sync.idle()));
  }

  /** The environments that follow a repository now, with their syncs. */
  following(): SourceSync[] {
    const spec = this.deps.target.latest()?.spec;
    if (!spec) return [];
    return Object.entries(spec.environments)
      .filter(([, environment]) => environment.source !== undefined)
      .map(([name]) => this.syncOf(name));
  }

  status(environment: string): SyncStatus {
    const status = this.require(environment).status();
    if (!status) throw notFollowed(environment);
    return status;
  }

  statuses(): SyncStatus[] {
    return this.following().flatMap((sync) => sync.status() ?? []);
  }

  /** Syncs now; resolves once done (the state is then in `status`). */
  async syncNow(environment: string, options: { force?: boolean } = {}): Promise<SyncStatus> {
    const sync = this.require(environment);
    this.started.set(environment, this.deps.clock.now());
    await sync.sync(options);
    return this.status(environment);
  }

  /** Starts a sync and returns at once (a webhook's delivery must not wait for git). */
  trigger(environment: string): void {
    this.started.set(environment, this.deps.clock.now());
    void this.require(environment).sync().catch((error: unknown) => this.deps.onError(environment, error));
  }

  async diff(environment: string): Promise<{ readonly status: SyncStatus; readonly changes: readonly DriftChange[] }> {
    const changes = await this.require(environment).diff();
    return { status: this.status(environment), changes };
  }

  private require(environment: string): SourceSync {
    const sync = this.following().find((candidate) => candidate.environment === environment);
    if (!sync) throw notFollowed(environment);
    return sync;
  }

  private syncOf(environment: string): SourceSync {
    let sync = this.syncs.get(environment);
    if (!sync) {
      const root = path.join(this.deps.dataDir, 'sources', environment);
      sync = new SourceSync({
        environment,
        target: this.deps.target,
        mirror: (source) => new GitMirror(source.git, root, this.deps.exec),
        treesDir: path.join(root, 'trees'),
        clock: this.deps.clock,
      });
      this.syncs.set(environment, sync);
    }
    return sync;
  }

  private tick(): void {
    const now = this.deps.clock.now();
    for (const sync of this.following()) {
      const interval = sync.source()?.interval ?? Infinity;
      const last = this.started.get(sync.environment);
      if (last !== undefined && now - last < interval) continue;
      this.started.set(sync.environment, now);
      void sync.sync().catch((error: unknown) => this.deps.onError(sync.environment, error));
    }
  }
}

function notFollowed(environment: string): SkiffError {
  return new SkiffError('SKIFF_SOURCE_NOT_FOLLOWED', `environment "${environment}" follows no git repository`, {
    hint: `add \`source: { git: URL, branch: main, path: skiff.yaml }\` to environments.${environment} in skiff.yaml and apply it`,
    path: `environments.${environment}.source`,
  });
}
