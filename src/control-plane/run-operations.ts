/**
 * Command runs as the API sees them: starting a run with an environment's current release of a
 * service, following its output from its log file, feeding its standard input, stopping it, and
 * listing what ran.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { CommandRunView, RunPort, StartCommandRunRequest } from '../api/run-port.js';
import { pollPause } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import type { CommandRun } from '../reconcile/command-run.js';
import type { CommandRuns } from '../reconcile/command-runs.js';
import type { DesiredState } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';

export interface RunOperationsDeps {
  readonly state: DesiredState;
  readonly environments: EnvironmentRegistry;
}

/** How often a followed output is read again for new bytes. */
const followPollMs = 100;
const chunkBytes = 64 * 1024;

export class RunOperations implements RunPort {
  /** The standard input of the runs started with one, until it is fed or the run ends. */
  private readonly inputs = new Map<string, NodeJS.WritableStream>();

  constructor(private readonly deps: RunOperationsDeps) {}

  async start(request: StartCommandRunRequest): Promise<CommandRunView> {
    const { environment, service } = request;
    this.deps.state.assertEnvironment(environment);
    this.deps.state.assertService(service);
    const controller = this.deps.environments.get(environment);
    const release = controller?.desiredService(service);
    if (!controller || !release?.release) {
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${service} has no release in ${environment} to run a command with`, {
        hint: `deploy it first: skiff deploy ${service} VERSION ${environment}`,
      });
    }
    const runs = this.runsOf(environment);
    const started = await runs.start({ release, command: request.command, kind: 'run', author: request.author, stdin: request.stdin });
    const key = inputKey(environment, started.run.id);
    if (started.stdin) {
      this.inputs.set(key, started.stdin);
      void runs.finished(started.run.id).finally(() => this.inputs.delete(key));
    }
    return viewOf(started.run);
  }

  get(environment: string, id: number): CommandRunView {
    return viewOf(this.run(environment, id));
  }

  list(query: { readonly environment: string; readonly service: string; readonly limit: number }): readonly CommandRunView[] {
    this.deps.state.assertEnvironment(query.environment);
    this.deps.state.assertService(query.service);
    const runs = this.deps.environments.get(query.environment)?.runs;
    return (runs?.list({ service: query.service, limit: query.limit }) ?? []).map(viewOf);
  }

  stop(environment: string, id: number, author: string): CommandRunView {
    this.run(environment, id);
    return viewOf(this.runsOf(environment).stop(id, author));
  }

  async output(environment: string, id: number, options: { readonly follow: boolean; readonly signal: AbortSignal }, onOutput: (text: string) => void): Promise<CommandRunView> {
    const runs = this.runsOf(environment);
    let run = this.run(environment, id);
    const ended = options.follow ? runs.finished(id) : null;
    const decoder = new StringDecoder('utf8');
    let position = 0;
    // Read to the end of the file; once the run has ended, one more read takes what it wrote last.
    for (;;) {
      const done = ended === null || run.state !== 'running' || options.signal.aborted;
      if (run.logPath) position = await readFrom(run.logPath, position, (text) => onOutput(decoder.write(text)));
      if (done) break;
      await Promise.race([pollPause(followPollMs), ended]);
      run = this.run(environment, id);
    }
    const rest = decoder.end();
    if (rest !== '') onOutput(rest);
    return viewOf(run);
  }

  async input(environment: string, id: number, input: Readable): Promise<void> {
    const run = this.run(environment, id);
    const stdin = this.inputs.get(inputKey(environment, id));
    if (!stdin) {
      input.resume();
      throw new SkiffError('SKIFF_BAD_REQUEST', `run ${id} takes no input ${run.state === 'running' ? '(it was started without stdin, or its input was fed already)' : `(it has ended: ${run.state})`}`, {
        hint: 'start it with `stdin: true` and send its input once',
      });
    }
    this.inputs.delete(inputKey(environment, id));
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        input.unpipe(stdin);
        stdin.end();
        resolve();
      };
      // The command may stop reading (it ended): what is left of the input is dropped.
      stdin.once('error', finish);
      input.once('end', finish);
      input.once('error', finish);
      input.once('close', finish);
      input.pipe(stdin, { end: false });
    });
  }

  private run(environment: string, id: number): CommandRun {
    const run = this.runsOf(environment).get(id);
    if (!run) {
      throw new SkiffError('SKIFF_COMMAND_RUN_NOT_FOUND', `no run ${id} in ${environment}`, { hint: `list them: skiff runs SERVICE ${environment}` });
    }
    return run;
  }

  private runsOf(environment: string): CommandRuns {
    this.deps.state.assertEnvironment(environment);
    const runs = this.deps.environments.get(environment)?.runs;
    if (!runs) {
      throw new SkiffError('SKIFF_COMMAND_RUN_NOT_FOUND', `nothing has run in ${environment}: nothing is deployed there`, {
        hint: `deploy a service there first: skiff deploy SERVICE VERSION ${environment}`,
      });
    }
    return runs;
  }
}

function inputKey(environment: string, id: number): string {
  return `${environment}/${id}`;
}

/** Calls `onBytes` with what the file holds from `position`; answers the new position. A file cut shorter (rotated) is read from its start. */
async function readFrom(file: string, position: number, onBytes: (bytes: Buffer) => void): Promise<number> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return position;
  try {
    const { size } = await handle.stat();
    let at = size < position ? 0 : position;
    const buffer = Buffer.alloc(chunkBytes);
    while (at < size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkBytes, size - at), at);
      if (bytesRead === 0) break;
      onBytes(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    return at;
  } finally {
    await handle.close();
  }
}

export function viewOf(run: CommandRun): CommandRunView {
  return {
    id: run.id,
    environment: run.environment,
    service: run.service,
    release: run.release,
    kind: run.kind,
    command: run.command,
    author: run.author,
    state: run.state,
    exitCode: run.exitCode,
    signal: run.signal,
    reason: run.reason,
    timeoutMs: run.timeoutMs,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: run.finishedAt === null ? null : new Date(run.finishedAt).toISOString(),
    durationMs: run.finishedAt === null ? null : run.finishedAt - run.startedAt,
    pid: run.pid,
    stoppedBy: run.stoppedBy,
  };
}
