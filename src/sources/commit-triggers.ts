/**
 * Pipelines started by commits (`trigger: { git: … }`): each pipeline's branch is fetched at its
 * interval; every new commit on it runs the pipeline for each service it touches, built from the
 * commit's clean tree. The first look at a branch only records its head: history starts nothing.
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

export class CommitTriggers {
  private timer: NodeJS.Timeout | null = null;
  private readonly lastPoll = new Map<string, number>();
  private readonly polling = new Map<string, Promise<void>>();
  /** The last failure told per pipeline, so a repository that stays unreachable is told once. */
  private readonly told = new Map<string, string>();

  constructor(private readonly deps: CommitTriggersDeps) {}

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 500);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  async idle(): Promise<void> {
    await Promise.all([...this.polling.values()]);
  }

  /** Polls the pipeline's branch now (one poll at a time per pipeline); resolves when done. */
  poll(pipeline: string): Promise<void> {
    const running = this.polling.get(pipeline);
    if (running) return running;
    const trigger = this.deps.target.spec()?.pipelines?.[pipeline]?.trigger?.git;
    if (!trigger) return Promise.resolve();
    this.lastPoll.set(pipeline, this.deps.clock.now());
    const done = this.pollOnce(pipeline, trigger)
      .catch((error: unknown) => {
        if (!isSkiffError(error)) throw error;
        this.tell(pipeline, error.code, `pipeline ${pipeline}: ${error.message}`, { code: error.code });
      })
      .catch((error: unknown) => this.deps.onError(pipeline, error))
      .finally(() => this.polling.delete(pipeline));
    this.polling.set(pipeline, done);
    return done;
  }

  private tick(): void {
    const now = this.deps.clock.now();
    for (const [name, pipeline] of Object.entries(this.deps.target.spec()?.pipelines ?? {})) {
      const interval = pipeline.trigger?.git.interval;
      if (interval === undefined) continue;
      const last = this.lastPoll.get(name);
      if (last === undefined || now - last >= interval) void this.poll(name);
    }
  }

  private async pollOnce(pipeline: string, trigger: GitTriggerSpec): Promise<void> {
    const root = path.join(this.deps.dataDir, 'sources', 'pipelines', pipeline);
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
    for (const sha of await mirror.newCommits(seen.commit, head, maxCommitsPerPoll)) {
      await this.runCommit({ pipeline, trigger, mirror, sha, root });
      // Recorded commit by commit: a restart in the middle does not run a commit twice.
      save(sha);
    }
    save(head);
  }

  private async runCommit(options: { pipeline: string; trigger: GitTriggerSpec; mirror: GitMirror; sha: string; root: string }): Promise<void> {
    const { pipeline, trigger, mirror, sha } = options;
    const spec = this.deps.target.spec();
    const covered = spec?.pipelines?.[pipeline]?.services ?? Object.keys(spec?.services ?? {});
    const services = Object.fromEntries(covered.flatMap((name) => (spec?.services[name] ? [[name, spec.services[name].path]] : [])));
    const changed = await mirror.changedFiles(`${sha}^`, sha);
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
