/**
 * Previews that follow git branches: each repository they come from is fetched at its interval
 * (at once on a webhook); a new branch matching an environment's `previews.branches` gets a
 * preview, a deleted branch loses its automatic one, and a branch that moved redeploys its
 * preview. One poll at a time; an action that failed is not tried again for the same commits.
 */
import { isSkiffError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Spec } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import { planBranchPreviews } from './branch-preview-plan.js';
import type { BranchPreview, BranchPreviewAction } from './branch-preview-plan.js';
import { branchRepositories, repositoriesOf } from './branch-repositories.js';
import type { BranchCheckouts } from './branch-checkouts.js';
import { Ticker } from './ticker.js';

export interface BranchPreviewTarget {
  /** The applied spec, or null before the first apply. */
  spec(): Spec | null;
  /** The previews that deploy a branch. */
  previews(): readonly BranchPreview[];
  /** The commits at which an automatic preview of the branch expired. */
  expiredAt(from: string, branch: string): readonly string[];
  /** Whether the environment has synced a commit of its source yet. */
  synced(environment: string): boolean;
  /** Creates, deletes or redeploys; throws a SkiffError when it cannot (nothing is then changed). */
  apply(action: BranchPreviewAction): Promise<void>;
  emit(event: NewEvent): void;
}

export interface BranchPreviewsDeps {
  readonly target: BranchPreviewTarget;
  readonly checkouts: Pick<BranchCheckouts, 'heads'>;
  readonly clock: Clock;
  /** A poll that failed for a reason that is not the repository's (a bug, a full disk). */
  readonly onError: (error: unknown) => void;
  /** How often due fetches are looked for; default 500 ms. */
  readonly tickMs?: number;
  /** How long an action that failed waits before it is tried again for the same commits; default 5 minutes. */
  readonly retryMs?: number;
}

const defaultRetryMs = 5 * 60_000;
/** How soon the branches of a source not synced yet are looked at again. */
const unsyncedRetryMs = 2_000;

export class BranchPreviews {
  private readonly ticker: Ticker;
  private readonly lastFetch = new Map<string, number>();
  private running: Promise<void> | null = null;
  private again: Set<string> | null = null;
  /**
   * Actions that failed, by what they were for, with when: not tried again for a while unless the
   * branch moves (a build that fails would fail again; a source not synced yet may be by then).
   */
  private readonly failed = new Map<string, number>();
  /** The last fetch failure told per repository. */
  private readonly unreachable = new Map<string, string>();

  constructor(private readonly deps: BranchPreviewsDeps) {
    this.ticker = new Ticker(() => this.tick(), deps.tickMs ?? 500);
  }

  start(): void {
    this.ticker.start();
  }

  async stop(): Promise<void> {
    this.ticker.stop();
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Fetches the repository an environment follows now, for its previews (a push webhook for another branch). */
  triggerEnvironment(environment: string): void {
    const source = this.deps.target.spec()?.environments[environment]?.source;
    if (source && this.watched().has(source.git)) void this.poll([source.git]);
  }

  /** Fetches the repositories and does what their branches ask; after the poll under way when there is one. */
  poll(repos: readonly string[]): Promise<void> {
    if (this.running) {
      this.again = new Set([...(this.again ?? []), ...repos]);
      return this.running;
    }
    const now = this.deps.clock.now();
    for (const repo of repos) this.lastFetch.set(repo, now);
    this.running = this.pollOnce(repos)
      .catch((error: unknown) => this.deps.onError(error))
      .finally(() => {
        this.running = null;
        const again = this.again;
        this.again = null;
        if (again) void this.poll([...again]);
      });
    return this.running;
  }

  /** Each repository that previews come from, with how often it is fetched. */
  watched(): Map<string, number> {
    const spec = this.deps.target.spec();
    const repos = new Map<string, number>();
    if (!spec) return repos;
    const add = (repo: string, interval: number): void => void repos.set(repo, Math.min(interval, repos.get(repo) ?? Infinity));
    for (const environment of Object.values(spec.environments)) {
      if (environment.previews && environment.source && !environment.preview) add(environment.source.git, environment.source.interval);
    }
    for (const preview of this.deps.target.previews()) {
      for (const [repo, interval] of repositoriesOf(branchRepositories(spec, preview.from))) add(repo, interval);
    }
    return repos;
  }

  private tick(): void {
    if (this.running) return;
    const now = this.deps.clock.now();
    const due = [...this.watched()].filter(([repo, interval]) => now - (this.lastFetch.get(repo) ?? -Infinity) >= interval).map(([repo]) => repo);
    if (due.length > 0) void this.poll(due);
  }

  /** A source not synced yet (its first sync runs beside this poll): its branches are looked at again soon, not an interval later. */
  private lookSoonAtUnsynced(spec: Spec, heads: ReadonlyMap<string, unknown>): void {
    for (const [name, environment] of Object.entries(spec.environments)) {
      const source = environment.source;
      if (!environment.previews || !source || !heads.has(source.git) || this.deps.target.synced(name)) continue;
      this.lastFetch.set(source.git, this.deps.clock.now() - source.interval + Math.min(source.interval, unsyncedRetryMs));
    }
  }

  private async pollOnce(repos: readonly string[]): Promise<void> {
    const heads = new Map<string, Map<string, string>>();
    for (const repo of repos) {
      try {
        heads.set(repo, await this.deps.checkouts.heads(repo));
        this.unreachable.delete(repo);
      } catch (error) {
        if (!isSkiffError(error)) throw error;
        if (this.unreachable.get(repo) === error.message) continue;
        this.unreachable.set(repo, error.message);
        this.deps.target.emit({ type: 'preview.failed', actor: 'skiff-source', message: `branch previews: ${error.message}`, data: { repo, code: error.code } });
      }
    }
    const spec = this.deps.target.spec();
    if (!spec || heads.size === 0) return;
    const expiredAt = (from: string, branch: string): readonly string[] => this.deps.target.expiredAt(from, branch);
    const synced = (environment: string): boolean => this.deps.target.synced(environment);
    this.lookSoonAtUnsynced(spec, heads);
    for (const action of planBranchPreviews({ spec, previews: this.deps.target.previews(), heads, expiredAt, synced })) {
      const key = JSON.stringify(action);
      const failedAt = this.failed.get(key);
      if (failedAt !== undefined && this.deps.clock.now() - failedAt < (this.deps.retryMs ?? defaultRetryMs)) continue;
      try {
        await this.deps.target.apply(action);
        this.failed.delete(key);
      } catch (error) {
        if (!isSkiffError(error)) throw error;
        this.failed.set(key, this.deps.clock.now());
        this.deps.target.emit({
          type: 'preview.failed',
          environment: action.name,
          actor: `source:${action.from}`,
          message: `could not ${action.kind} preview ${action.name} for branch ${action.branch}: ${error.message}`,
          data: { action: action.kind, from: action.from, branch: action.branch, code: error.code, hint: error.hint ?? null },
        });
      }
    }
  }
}
