/**
 * The command runs of one environment: a command run to completion with a release of a service,
 * through the environment's provider (and so its driver, config, secrets and limits), recorded
 * from before it starts to after it ends. A run outlives the control plane: a new one adopts it
 * (`adopt`), or records it as lost, never forgets it. `skiff run`, release commands and scheduled
 * jobs all run through here.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { SkiffError, isSkiffError } from '../core/errors.js';
import type { DesiredService } from '../spec/desired.js';
import type { CommandRunQuery, CommandRunStore } from '../store/command-run-store.js';
import type { NewEvent } from '../store/state-store.js';
import type { CommandRun, CommandRunKind } from './command-run.js';
import { outcomeOf } from './command-run.js';
import type { CommandExit, Provider, RunningCommand } from './provider.js';

export interface CommandRunsDeps {
  readonly environment: string;
  readonly provider: Pick<Provider, 'startCommand' | 'recoverCommand'>;
  readonly store: CommandRunStore<CommandRun>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emit: (event: NewEvent) => void;
  /** How long a stopped command may take between SIGTERM and SIGKILL (the service's stop grace). */
  readonly stopGraceMs: (service: string) => number;
}

export interface StartCommandRun {
  /** The release to run with: its artifact, config, secrets, driver and limits. */
  readonly release: DesiredService;
  readonly command: readonly string[];
  readonly kind: CommandRunKind;
  readonly author: string;
  /** Killed with its process group after this long; absent: no bound. */
  readonly timeoutMs?: number;
  /** Keep its standard input open for the caller. */
  readonly stdin?: boolean;
  /** Variables beside the release's (a scheduled job's name and run). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface StartedCommandRun {
  readonly run: CommandRun;
  /** Its standard input, when asked for and the driver can give it. */
  readonly stdin?: NodeJS.WritableStream;
}

interface LiveRun {
  run: CommandRun;
  readonly running: RunningCommand;
  readonly adopted: boolean;
  timer: NodeJS.Timeout | null;
  timedOutAfterMs: number | null;
}

export class CommandRuns {
  private readonly live = new Map<number, LiveRun>();
  private readonly waiters = new Map<number, ((run: CommandRun) => void)[]>();
  private readonly listeners: ((run: CommandRun) => void)[] = [];
  private detached = false;

  constructor(private readonly deps: CommandRunsDeps) {}

  /** Called with every run that ends (after it is recorded). */
  onFinished(listener: (run: CommandRun) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Records the run, then starts it. Resolves once it runs; rejects (the run recorded as failed)
   * when it cannot start: SKIFF_COMMAND_START_FAILED for a command that does not exist.
   */
  async start(request: StartCommandRun): Promise<StartedCommandRun> {
    const { release, command } = request;
    if (release.release === null) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${release.name} has no release in ${this.deps.environment} to run a command with`, {
        hint: `deploy it first: skiff deploy ${release.name} VERSION ${this.deps.environment}`,
      });
    }
    if (command.length === 0 || command[0] === '') throw new SkiffError('SKIFF_BAD_REQUEST', 'the command is empty', { hint: 'skiff run SERVICE ENV -- CMD ARGS…' });
    const provider = this.deps.provider;
    if (!provider.startCommand) {
      throw new SkiffError('SKIFF_NOT_SUPPORTED', `the provider of ${this.deps.environment} cannot run commands`, {
        hint: 'commands run on environments with `provider: local`',
      });
    }
    // Recorded before anything starts: a control plane that dies now leaves a record, not a stray process.
    let run = this.deps.store.create({
      environment: this.deps.environment,
      service: release.name,
      release: release.release,
      configHash: release.configHash,
      kind: request.kind,
      command: [...command],
      author: request.author,
      state: 'running',
      exitCode: null,
      signal: null,
      reason: null,
      timeoutMs: request.timeoutMs ?? null,
      startedAt: this.deps.clock.now(),
      finishedAt: null,
      logPath: null,
      pid: null,
      handle: null,
      stoppedBy: null,
    });
    let running: RunningCommand;
    try {
      running = await provider.startCommand({ runId: `run-${run.id}`, release, command, stdin: request.stdin ?? false, ...(request.env ? { env: request.env } : {}) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const hint = isSkiffError(error) ? error.hint : undefined;
      this.finish(run, { state: 'failed', exitCode: null, signal: null, reason: `could not start: ${message}` });
      if (isSkiffError(error) && error.code !== 'SKIFF_DRIVER_START_FAILED') throw error;
      throw new SkiffError('SKIFF_COMMAND_START_FAILED', `run ${run.id} of ${release.name} ${release.release} in ${this.deps.environment}: ${message}`, {
        ...(hint ? { hint } : {}),
        cause: error,
      });
    }
    run = { ...run, pid: running.pid, logPath: running.logPath, handle: running.handle };
    this.deps.store.save(run);
    this.event(run, 'run.started', `${this.what(run)} started by ${run.author} (pid ${running.pid}): ${run.command.join(' ')}`);
    this.watch(run, running, false);
    return { run, ...(running.stdin ? { stdin: running.stdin } : {}) };
  }

  /** Takes over the runs an earlier control plane left: running ones are watched again, the others recorded as lost. */
  async adopt(): Promise<void> {
    const provider = this.deps.provider;
    for (const run of this.deps.store.running(this.deps.environment)) {
      const running = run.handle && provider.recoverCommand ? await provider.recoverCommand(run.handle).catch(() => null) : null;
      if (!running) {
        const reason = run.handle ? 'ended while the control plane was down; its exit status is unknown' : 'the control plane stopped while it was starting';
        this.finish(run, { state: 'lost', exitCode: null, signal: null, reason });
        continue;
      }
      this.event(run, 'run.adopted', `${this.what(run)} adopted (pid ${running.pid}) still running`);
      this.watch(run, running, true);
    }
  }

  get(id: number): CommandRun | null {
    const run = this.live.get(id)?.run ?? this.deps.store.get(id);
    return run && run.environment === this.deps.environment ? run : null;
  }

  list(query: Omit<CommandRunQuery, 'environment'>): CommandRun[] {
    return this.deps.store.list({ ...query, environment: this.deps.environment });
  }

  /** Resolves with the run once it has ended (at once when it has). */
  finished(id: number): Promise<CommandRun> {
    const run = this.get(id);
    if (!run) return Promise.reject(notFound(id, this.deps.environment));
    if (run.state !== 'running' || !this.live.has(id)) return Promise.resolve(run);
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  /** SIGTERM to its process group (or container), SIGKILL after the service's stop grace. */
  stop(id: number, author: string): CommandRun {
    const live = this.live.get(id);
    if (!live) {
      const run = this.get(id);
      if (!run) throw notFound(id, this.deps.environment);
      throw new SkiffError('SKIFF_COMMAND_RUN_FINISHED', `run ${id} has ended (${run.state})`);
    }
    if (live.run.stoppedBy === null) {
      live.run = { ...live.run, stoppedBy: author };
      this.deps.store.save(live.run);
      this.event(live.run, 'run.stopping', `${this.what(live.run)} stopped by ${author}`, author);
    }
    void live.running.stop(this.deps.stopGraceMs(live.run.service));
    return live.run;
  }

  /** Stops every run (with its grace, or at once) and records how each ended. */
  async stopAll(immediate = false): Promise<void> {
    await Promise.all(
      [...this.live.values()].map(async (live) => {
        live.run = { ...live.run, stoppedBy: live.run.stoppedBy ?? 'skiff (shutting down)' };
        await live.running.stop(immediate ? 0 : this.deps.stopGraceMs(live.run.service));
      }),
    );
  }

  /** Leaves the runs running, unrecorded from here on, for the next control plane to adopt. */
  detach(): void {
    this.detached = true;
    for (const live of this.live.values()) if (live.timer) clearTimeout(live.timer);
  }

  private watch(run: CommandRun, running: RunningCommand, adopted: boolean): void {
    const live: LiveRun = { run, running, adopted, timer: null, timedOutAfterMs: null };
    this.live.set(run.id, live);
    const timeoutMs = run.timeoutMs;
    if (timeoutMs !== null) {
      // From when it started, so an adopted run keeps its deadline.
      const left = Math.max(0, run.startedAt + timeoutMs - this.deps.clock.now());
      live.timer = setTimeout(() => {
        live.timedOutAfterMs = timeoutMs;
        this.event(live.run, 'run.timed-out', `${this.what(live.run)} ran longer than its timeout: killing it with its process group`);
        void running.stop(this.deps.stopGraceMs(run.service));
      }, left);
      live.timer.unref();
    }
    void running.exited.then((exit) => this.onExit(live, exit));
  }

  private onExit(live: LiveRun, exit: CommandExit): void {
    if (this.detached) return;
    if (live.timer) clearTimeout(live.timer);
    this.live.delete(live.run.id);
    this.finish(live.run, outcomeOf(exit, { timedOutAfterMs: live.timedOutAfterMs, stoppedBy: live.run.stoppedBy, adopted: live.adopted }));
  }

  private finish(run: CommandRun, outcome: Pick<CommandRun, 'state' | 'exitCode' | 'signal' | 'reason'>): void {
    const ended: CommandRun = { ...run, ...outcome, finishedAt: this.deps.clock.now() };
    this.deps.store.save(ended);
    const took = ended.finishedAt !== null ? ` after ${((ended.finishedAt - ended.startedAt) / 1000).toFixed(1)}s` : '';
    const how = ended.state === 'succeeded' ? 'succeeded' : `${ended.state}: ${ended.reason ?? 'unknown'}`;
    this.event(ended, ended.state === 'succeeded' ? 'run.succeeded' : 'run.failed', `${this.what(ended)} ${how}${took}`, undefined, {
      exitCode: ended.exitCode,
      signal: ended.signal,
    });
    const waiting = this.waiters.get(run.id) ?? [];
    this.waiters.delete(run.id);
    for (const resolve of waiting) resolve(ended);
    for (const listener of this.listeners) {
      try {
        listener(ended);
      } catch (error) {
        this.deps.logger.error({ err: error, run: run.id }, 'a listener of finished runs failed');
      }
    }
  }

  private what(run: CommandRun): string {
    const kind = run.kind === 'release' ? 'release command' : run.kind === 'job' ? 'job run' : 'run';
    return `${kind} ${run.id} of ${run.service} ${run.release}`;
  }

  private event(run: CommandRun, type: string, message: string, actor?: string, data: Record<string, unknown> = {}): void {
    this.deps.emit({
      type,
      environment: run.environment,
      service: run.service,
      message,
      actor: actor ?? run.author,
      data: { run: run.id, kind: run.kind, release: run.release, command: run.command, state: run.state, ...data },
    });
  }
}

function notFound(id: number, environment: string): SkiffError {
  return new SkiffError('SKIFF_COMMAND_RUN_NOT_FOUND', `no run ${id} in ${environment}`, { hint: `list them: skiff runs SERVICE ${environment}` });
}
