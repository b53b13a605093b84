/**
 * Pipelines started by commits (`trigger: { git: … }`): each pipeline's branch is fetched at its
 * interval (and at once on a push webhook); every new commit on it runs the pipeline for each
 * service it touches, built from the commit's clean tree. The first look at a branch only records
 * its head: history starts nothing. A rewritten (force-pushed) branch is told and its new tip
 * runs. A commit's tree is removed once no build needs it. One poll or sweep at a time per pipeline.
 */
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { isSkiffError } from '../core/errors.js';
import type { GitTriggerSpec, Spec } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import { commitServices } from './commit-services.js';
import type { Exec } from './git-exec.js';
import { GitMirror } from './git-mirror.js';
import type { CommitInfo } from './git-mirror.js';
import { short } from './source-sync.js';
import { sweepTrees } from './tree-sweep.js';
import { Ticker } from './ticker.js';

/** A run to start: the pipeline, the service, the commit, and the spec file's folder in the commit's tree. */
export interface TriggeredRun {
  readonly pipeline: string;
  readonly service: string;
  readonly commit: CommitInfo;
  readonly baseDir: string;
}

export interface CommitTriggerTarget {
  /** The applied spec, or null before the first apply. */
  spec(): Spec | null;
  /** Starts the run (answers at once); throws a SkiffError when it cannot start. */
  startRun(run: TriggeredRun): void;
  /** The commits whose tree a run still has to build from (its build stage has not finished). */
  treesInUse(): ReadonlySet<string>;
  emit(event: NewEvent): void;
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;
}

export interface CommitTriggersDeps {
  readonly target: CommitTriggerTarget;
  /** Mirrors and trees go under `sources/pipelines/` of the data directory. */
  readonly dataDir: string;
  readonly exec: Exec;
  readonly clock: Clock;
  /** A poll that failed for a reason that is not the repository's (a bug, a full disk). */
  readonly onError: (pipeline: string, error: unknown) => void;
  /** How often due polls are looked for; default 500 ms. */
  readonly tickMs?: number;
}

/** Commits taken in one poll at most: a push of hundreds of commits runs the newest ones. */
const maxCommitsPerPoll = 20;

interface SeenHead {
  readonly repo: string;
  readonly branch: string;
  readonly commit: string;
}

/** What one pipeline's lane has still to do: a poll (always followed by a sweep), or a sweep alone. */
interface Lane {
  running: Promise<void> | null;
  poll: boolean;
  sweep: boolean;
}

export class CommitTriggers {
  private readonly ticker: Ticker;
  private readonly lastPoll = new Map<string, number>();
  private readonly lanes = new Map<string, Lane>();
  /** The last failure told per pipeline, so a repository that stays unreachable is told once. */
  private readonly told = new Map<string, string>();

  constructor(private readonly deps: CommitTriggersDeps) {
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
    while ([...this.lanes.values()].some((lane) => lane.running)) await Promise.all([...this.lanes.values()].map((lane) => lane.running));
  }

  /** The pipelines started by commits in the applied spec, with their trigger. */
  watching(): { readonly pipeline: string; readonly trigger: GitTriggerSpec }[] {
    return Object.entries(this.deps.target.spec()?.pipelines ?? {}).flatMap(([pipeline, spec]) => (spec.trigger ? [{ pipeline, trigger: spec.trigger.git }] : []));
  }

  /**
   * Polls the pipeline's branch now; resolves when done. A poll asked for while one runs is
   * made again after it, so a commit pushed meanwhile is not left for the next interval.
   */
  poll(pipeline: string): Promise<void> {
    if (!this.deps.target.spec()?.pipelines?.[pipeline]?.trigger) return Promise.resolve();
    this.lastPoll.set(pipeline, this.deps.clock.now());
    return this.request(pipeline, { poll: true });
  }

  /** Starts a poll and returns at once (a webhook's delivery must not wait for git). */
  trigger(pipeline: string): void {
    void this.poll(pipeline);
  }

  /** Removes the trees no run needs any more, in every pipeline's folder (after a build finished). */
  sweep(): void {
    for (const pipeline of Object.keys(this.deps.target.spec()?.pipelines ?? {})) void this.request(pipeline, { sweep: true });
  }

  private request(pipeline: string, work: { poll?: boolean; sweep?: boolean }): Promise<void> {
    const lane = this.lanes.get(pipeline) ?? { running: null, poll: false, sweep: false };
    this.lanes.set(pipeline, lane);
    lane.poll ||= work.poll ?? false;
    lane.sweep ||= work.sweep ?? false;
    if (lane.running) return lane.running;
    lane.running = (async () => {
      while (lane.poll || lane.sweep) {
        const polling = lane.poll;
        lane.poll = false;
        lane.sweep = false;
        if (polling) await this.guarded(pipeline, () => this.pollOnce(pipeline));
        await this.guarded(pipeline, () => this.sweepOnce(pipeline));
      }
    })().finally(() => {
      lane.running = null;
    });
    return lane.running;
  }

  /** An expected failure (the repository's) is told once as an event; anything else goes to onError. */
  private async guarded(pipeline: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isSkiffError(error)) this.tell(pipeline, error.code, `pipeline ${pipeline}: ${error.message}`, { code: error.code });
      else this.deps.onError(pipeline, error);
    }
  }

  private tick(): void {
    const now = this.deps.clock.now();
    for (const { pipeline, trigger } of this.watching()) {
      const last = this.lastPoll.get(pipeline);
      if (last === undefined || now - last >= trigger.interval) void this.poll(pipeline);
    }
  }

  private rootOf(pipeline: string): string {
    return path.join(this.deps.dataDir, 'sources', 'pipelines', pipeline);
  }

  private async sweepOnce(pipeline: string): Promise<void> {
    await sweepTrees(path.join(this.rootOf(pipeline), 'trees'), this.deps.target.treesInUse());
  }

  private async pollOnce(pipeline: string): Promise<void> {
    const trigger = this.deps.target.spec()?.pipelines?.[pipeline]?.trigger?.git;
    if (!trigger) return;
    const root = this.rootOf(pipeline);
    const mirror = new GitMirror(trigger.repo, root, this.deps.exec);
    await mirror.fetch();
    const head = await mirror.branchHead(trigger.branch);
    this.told.delete(pipeline);
    const key = `pipeline.trigger.${pipeline}`;
    const raw = this.deps.target.getMeta(key);
    const seen = raw === null ? null : (JSON.parse(raw) as SeenHead);
    const save = (commit: string): void => this.deps.target.setMeta(key, JSON.stringify({ repo: trigger.repo, branch: trigger.branch, commit } satisfies SeenHead));
    // A new trigger (or one pointed elsewhere) starts from the branch as it is now.
    if (!seen || seen.repo !== trigger.repo || seen.branch !== trigger.branch) {
      save(head);
      this.deps.target.emit({
        type: 'pipeline.trigger',
        actor: 'skiff-trigger',
        message: `pipeline ${pipeline} watches ${trigger.branch} of ${trigger.repo} from ${short(head)}: new commits touching ${trigger.paths.join(', ')} start it`,
        data: { pipeline, commit: head, watching: true },
      });
      return;
    }
    if (seen.commit === head) return;
    const ancestry = await mirror.ancestry(seen.commit, head);
    if (ancestry !== 'ancestor') {
      // History was rewritten: its commits since the fork are not "new", the tip is what the branch says now.
      this.deps.target.emit({
        type: 'pipeline.trigger',
        actor: 'skiff-trigger',
        message: `pipeline ${pipeline}: ${trigger.branch} of ${trigger.repo} was rewritten (force-pushed) and no longer contains ${short(seen.commit)}, the last commit run; its new tip ${short(head)} runs for the services it changes`,
        data: { pipeline, commit: head, previous: seen.commit, rewritten: true, code: 'SKIFF_SOURCE_FORCE_PUSHED' },
      });
      // The files changed from the commit last run; all of the tip's when that commit is gone from the mirror.
      await this.runCommit({ pipeline, trigger, mirror, sha: head, root, from: ancestry === 'not-ancestor' ? seen.commit : null });
      save(head);
      return;
    }
    for (const sha of await mirror.newCommits(seen.commit, head, maxCommitsPerPoll)) {
      await this.runCommit({ pipeline, trigger, mirror, sha, root, from: `${sha}^` });
      // Recorded commit by commit: a restart in the middle does not run a commit twice.
      save(sha);
    }
    save(head);
  }

  /** `from`: the commit the changes are counted from (null: every file of the commit counts). */
  private async runCommit(options: { pipeline: string; trigger: GitTriggerSpec; mirror: GitMirror; sha: string; root: string; from: string | null }): Promise<void> {
    const { pipeline, trigger, mirror, sha } = options;
    const spec = this.deps.target.spec();
    const covered = spec?.pipelines?.[pipeline]?.services ?? Object.keys(spec?.services ?? {});
    const services = Object.fromEntries(covered.flatMap((name) => (spec?.services[name] ? [[name, spec.services[name].path]] : [])));
    const changed = await mirror.changedFiles(options.from, sha);
    const touched = commitServices({ changed, patterns: trigger.paths, specDir: trigger.specDir, services });
    if (touched.length === 0) return;
    const commit = await mirror.commitInfo(sha);
    const tree = await mirror.checkout(sha, path.join(options.root, 'trees'));
    const baseDir = path.join(tree, trigger.specDir);
    for (const service of touched) {
      try {
        this.deps.target.startRun({ pipeline, service, commit, baseDir });
      } catch (error) {
        if (!isSkiffError(error)) throw error;
        this.deps.target.emit({
          type: 'pipeline.trigger',
          service,
          actor: commit.author,
          message: `pipeline ${pipeline} was not started for ${service} at commit ${short(sha)}: ${error.message}`,
          data: { pipeline, commit: sha, code: error.code },
        });
      }
    }
  }

  private tell(pipeline: string, code: string, message: string, data: Record<string, unknown>): void {
    if (this.told.get(pipeline) === code) return;
    this.told.set(pipeline, code);
    this.deps.target.emit({ type: 'pipeline.trigger', actor: 'skiff-trigger', message, data: { pipeline, ...data } });
  }
}
