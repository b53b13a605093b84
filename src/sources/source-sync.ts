/**
 * One environment following a git repository: fetch, take the branch's newest commit, refuse it
 * (invalid file, rewritten branch, emptied system) or apply it as a revision, then compare what is
 * applied with the commit and report or revert the drift. One sync at a time per environment.
 */
import path from 'node:path';
import { SkiffError, isSkiffError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { ErrorDetail } from '../core/errors.js';
import { parseSpec } from '../spec/parse.js';
import type { SourceSpec, Spec } from '../spec/schema.js';
import type { NewEvent, Revision } from '../store/state-store.js';
import { specFlagsFor } from '../spec/environment-flags.js';
import { environmentDrift } from './drift.js';
import type { DriftChange } from './drift.js';
import { flagDrift, runtimeFlagsToReset } from './flag-drift.js';
import type { FlagInForce } from './flag-drift.js';
import { followedSpec } from './followed-spec.js';
import type { CommitInfo, GitMirror } from './git-mirror.js';
import type { SyncError, SyncState, SyncStatus, SyncedCommit } from './sync-status.js';

/** What a sync reads and changes: the control plane's revisions, its apply, events, the store's meta. */
export interface SyncTarget {
  latest(): Revision | null;
  revision(id: number): Revision | null;
  machineCheck(spec: Spec, baseDir: string): ErrorDetail[];
  applySynced(request: { spec: Spec; baseDir: string; author: string; message: string; commit: string }): Promise<{ revision: Revision; changed: boolean }>;
  /** The flags the environment evaluates now, run-time changes included. */
  flags(environment: string): readonly FlagInForce[];
  /** Puts the flag back to the applied spec's definition (`skiff flag reset`), as `actor`. */
  resetFlag(environment: string, key: string, actor: string): void;
  emit(event: NewEvent): void;
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;
}

export interface SourceSyncDeps {
  readonly environment: string;
  readonly target: SyncTarget;
  readonly mirror: (source: SourceSpec) => GitMirror;
  /** Where the commits' trees are checked out. */
  readonly treesDir: string;
  readonly clock: Clock;
}

interface StoredSync extends SyncedCommit {
  readonly repository: string;
  readonly branch: string;
  readonly path: string;
}

interface CommitSpec {
  readonly spec: Spec;
  readonly baseDir: string;
}

export class SourceSync {
  private running: Promise<void> | null = null;
  private again: { force: boolean } | null = null;
  private head: CommitInfo | null = null;
  private error: SyncError | null = null;
  private changes: readonly DriftChange[] = [];
  private lastFetchAt: number | null = null;
  /** What was last told in an event, so a state that stays is told once. */
  private told = '';
  private readonly commits = new Map<string, CommitSpec>();

  constructor(private readonly deps: SourceSyncDeps) {}

  get environment(): string {
    return this.deps.environment;
  }

  /** The environment's `source:` in the applied spec, or null when it follows no repository. */
  source(): SourceSpec | null {
    return this.deps.target.latest()?.spec.environments[this.environment]?.source ?? null;
  }

  /** Runs a sync, or one more after the one running; resolves when that one is done. */
  sync(options: { force?: boolean } = {}): Promise<void> {
    if (this.running) {
      this.again = { force: (this.again?.force ?? false) || (options.force ?? false) };
      return this.running;
    }
    this.running = (async () => {
      let next: { force: boolean } | null = { force: options.force ?? false };
      while (next) {
        this.again = null;
        await this.syncOnce(next.force);
        next = this.again;
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  status(): SyncStatus | null {
    const source = this.source();
    if (!source) return null;
    const synced = this.stored(source);
    return {
      environment: this.environment,
      repository: source.git,
      branch: source.branch,
      path: source.path,
      intervalMs: source.interval,
      drift: source.drift,
      prune: source.prune,
      state: this.state(synced),
      head: this.head,
      synced: synced ? { commit: synced.commit, revision: synced.revision, at: synced.at } : null,
      error: this.error,
      changes: this.changes,
      lastFetchAt: this.lastFetchAt === null ? null : new Date(this.lastFetchAt).toISOString(),
    };
  }

  private state(synced: StoredSync | null): SyncState {
    if (this.error) return this.error.code === 'SKIFF_SOURCE_UNREACHABLE' ? 'Unreachable' : 'Refused';
    if (!synced || this.lastFetchAt === null) return 'Pending';
    return this.changes.length > 0 ? 'OutOfSync' : 'Synced';
  }

  private async syncOnce(force: boolean): Promise<void> {
    const source = this.source();
    if (!source) return;
    const mirror = this.deps.mirror(source);
    try {
      await mirror.fetch();
      this.lastFetchAt = this.deps.clock.now();
      const head = await mirror.branchHead(source.branch);
      if (this.head?.sha !== head) this.head = await mirror.commitInfo(head);
      const synced = this.stored(source);
      if (synced?.commit !== head) {
        await this.applyCommit(source, mirror, this.head as CommitInfo, synced, force);
        return;
      }
      await this.checkDrift(source, mirror, synced);
    } catch (error) {
      if (!isSkiffError(error)) throw error;
      this.refuse(error, error.code === 'SKIFF_SOURCE_UNREACHABLE' ? null : (this.head?.sha ?? null));
    }
  }

  private async applyCommit(source: SourceSpec, mirror: GitMirror, head: CommitInfo, synced: StoredSync | null, force: boolean): Promise<void> {
    if (synced && !force && (await mirror.ancestry(synced.commit, head.sha)) !== 'ancestor') {
      throw new SkiffError(
        'SKIFF_SOURCE_FORCE_PUSHED',
        `${source.branch} of ${source.git} no longer contains the synced commit ${short(synced.commit)}: its history was rewritten (force-pushed); ${short(head.sha)} was not applied`,
        { hint: `check the branch; to take ${short(head.sha)} anyway: skiff sync now ${this.environment} --force`, path: 'source.branch' },
      );
    }
    const latest = this.deps.target.latest();
    if (!latest) return;
    const commit = await this.commitSpec(source, mirror, head.sha);
    const followed = followedSpec({ current: latest.spec, commit: commit.spec, environment: this.environment, source });
    if (!followed.ok) throw followed.error;
    const applied = await this.apply(followed.spec, commit.baseDir, head, `${head.subject} (${short(head.sha)})`);
    const record: StoredSync = { commit: head.sha, revision: applied.revision.id, at: new Date(this.deps.clock.now()).toISOString(), repository: source.git, branch: source.branch, path: source.path };
    this.deps.target.setMeta(this.metaKey(), JSON.stringify(record));
    this.error = null;
    this.changes = [];
    this.tell('synced', {
      type: 'source.synced',
      environment: this.environment,
      actor: head.author,
      message: `${this.environment} synced to ${short(head.sha)} "${head.subject}" (revision ${applied.revision.id}${followed.pruned.length > 0 ? `, pruned ${followed.pruned.join(', ')}` : ''})`,
      data: { commit: head.sha, revision: applied.revision.id, changed: applied.changed, pruned: followed.pruned },
    }, head.sha);
  }

  /** What the synced commit gives and how the applied state differs from it; null before any sync. */
  private async drift(source: SourceSpec, mirror: GitMirror, synced: StoredSync): Promise<{ expected: CommitSpec; changes: DriftChange[] } | null> {
    const latest = this.deps.target.latest();
    if (!latest) return null;
    const commit = await this.commitSpec(source, mirror, synced.commit);
    const followed = followedSpec({ current: latest.spec, commit: commit.spec, environment: this.environment, source });
    if (!followed.ok) throw followed.error;
    const expected = { spec: followed.spec, baseDir: commit.baseDir };
    return { expected, changes: this.driftOf(latest, expected, synced) };
  }

  private async checkDrift(source: SourceSpec, mirror: GitMirror, synced: StoredSync): Promise<void> {
    const drift = await this.drift(source, mirror, synced);
    if (!drift) return;
    const { expected, changes } = drift;
    this.error = null;
    this.changes = changes;
    if (changes.length === 0) {
      this.tell('in sync', null, synced.commit);
      return;
    }
    const summary = changes.map((change) => (change.service === '' ? change.field : `${change.service}.${change.field}`)).join(', ');
    if (source.drift === 'report') {
      this.tell('drift', {
        type: 'source.drift',
        environment: this.environment,
        message: `${this.environment} differs from commit ${short(synced.commit)}: ${summary}`,
        data: { commit: synced.commit, changes },
      }, JSON.stringify(changes));
      return;
    }
    const head = this.head?.sha === synced.commit ? this.head : await mirror.commitInfo(synced.commit);
    const flags = runtimeFlagsToReset(this.deps.target.flags(this.environment), specFlagsFor(expected.spec, this.environment));
    const applied = await this.apply(expected.spec, expected.baseDir, head, `revert drift in ${this.environment} to ${short(synced.commit)}: ${summary}`);
    // After the apply, the applied spec's flags are the commit's: a reset brings a changed flag back to them.
    for (const key of flags) this.deps.target.resetFlag(this.environment, key, 'skiff-sync');
    this.changes = this.driftOf(applied.revision, expected, synced);
    this.told = '';
    this.deps.target.emit({
      type: 'source.reverted',
      environment: this.environment,
      actor: 'skiff-sync',
      message: `${this.environment} brought back to commit ${short(synced.commit)} (revision ${applied.revision.id}): ${summary}`,
      data: { commit: synced.commit, revision: applied.revision.id, changes },
    });
  }

  private driftOf(applied: Revision, expected: CommitSpec, synced: StoredSync): DriftChange[] {
    return [
      ...environmentDrift({
        environment: this.environment,
        applied: { spec: applied.spec, baseDir: applied.baseDir },
        expected,
        appliedReleases: applied.releases[this.environment] ?? {},
        syncedReleases: this.deps.target.revision(synced.revision)?.releases[this.environment] ?? {},
      }),
      ...flagDrift(this.deps.target.flags(this.environment), specFlagsFor(expected.spec, this.environment)),
    ];
  }

  /** The diff `skiff diff ENV` shows: the applied state now against the synced commit (nothing fetched or applied). */
  async diff(): Promise<readonly DriftChange[]> {
    const source = this.source();
    const synced = source ? this.stored(source) : null;
    if (!source || !synced) return [];
    return (await this.drift(source, this.deps.mirror(source), synced))?.changes ?? [];
  }

  private async apply(spec: Spec, baseDir: string, commit: CommitInfo, message: string): Promise<{ revision: Revision; changed: boolean }> {
    try {
      return await this.deps.target.applySynced({ spec, baseDir, author: `${commit.author} <${commit.email}>`, message, commit: commit.sha });
    } catch (error) {
      if (!isSkiffError(error)) throw error;
      throw new SkiffError('SKIFF_SOURCE_APPLY_FAILED', `commit ${short(commit.sha)} could not be applied: ${error.message}`, {
        details: error.details.length > 0 ? error.details : [{ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }],
        hint: error.hint ?? 'fix the file in the repository and push a new commit',
      });
    }
  }

  /** The commit's spec, parsed and checked against this machine, with the tree its paths are relative to. */
  private async commitSpec(source: SourceSpec, mirror: GitMirror, commit: string): Promise<CommitSpec> {
    const known = this.commits.get(commit);
    if (known) return known;
    const text = await mirror.readFile(commit, source.path);
    if (text === null) {
      throw new SkiffError('SKIFF_SOURCE_FILE_MISSING', `commit ${short(commit)} has no file ${source.path}`, {
        hint: 'add the file, or set `source.path` to the spec file\'s path in the repository',
        path: 'source.path',
      });
    }
    const parsed = parseSpec(text, source.path);
    if (!parsed.ok) throw invalidAt(commit, source.path, parsed.errors);
    const tree = await mirror.checkout(commit, this.deps.treesDir);
    const baseDir = path.dirname(path.join(tree, source.path));
    const machine = this.deps.target.machineCheck(parsed.spec, baseDir);
    if (machine.length > 0) throw invalidAt(commit, source.path, machine);
    const result = { spec: parsed.spec, baseDir };
    this.commits.set(commit, result);
    return result;
  }

  private refuse(error: SkiffError, commit: string | null): void {
    this.error = { code: error.code, message: error.message, hint: error.hint ?? null, commit, details: error.details };
    this.tell(`${error.code} ${commit}`, {
      type: error.code === 'SKIFF_SOURCE_UNREACHABLE' ? 'source.unreachable' : 'source.refused',
      environment: this.environment,
      message: `${this.environment}: ${error.message}`,
      data: { code: error.code, commit, details: error.details },
    });
  }

  /** Emits the event only when the state it tells is new. */
  private tell(kind: string, event: NewEvent | null, key = ''): void {
    const told = `${kind} ${key}`;
    if (told === this.told) return;
    this.told = told;
    if (event) this.deps.target.emit(event);
  }

  private stored(source: SourceSpec): StoredSync | null {
    const raw = this.deps.target.getMeta(this.metaKey());
    if (raw === null) return null;
    const stored = JSON.parse(raw) as StoredSync;
    // A source pointed elsewhere starts over: the old commit says nothing about the new branch.
    return stored.repository === source.git && stored.branch === source.branch && stored.path === source.path ? stored : null;
  }

  private metaKey(): string {
    return sourceSyncedKey(this.environment);
  }
}

function invalidAt(commit: string, file: string, errors: readonly ErrorDetail[]): SkiffError {
  return new SkiffError('SKIFF_SOURCE_SPEC_INVALID', `${file} at commit ${short(commit)} is invalid: ${errors.length} error(s); nothing was applied`, {
    details: errors,
    hint: 'fix the file in the repository and push a new commit; `skiff validate FILE` checks it before you push',
  });
}

/** The store's meta key of the commit an environment last synced. */
export function sourceSyncedKey(environment: string): string {
  return `source.synced.${environment}`;
}

export function short(sha: string): string {
  return sha.slice(0, 12);
}
