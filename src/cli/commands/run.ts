import { constants } from 'node:os';
import type { Command } from 'commander';
import type { CommandRunView } from '../../api/run-port.js';
import type { CliContext, RunCommand } from '../context.js';
import { wholeNumber } from '../options.js';
import { formatAge, formatTable, formatTime } from '../output.js';

/**
 * `skiff run SERVICE ENV [--detach] -- CMD ARGS…`: runs a command with the environment's current
 * release of the service. Its output streams here, this terminal's input goes to it, its exit code
 * is this command's, and Ctrl-C stops it (its process group or container).
 */
export function registerRun(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('run')
    .description("run a command with a service's current release in an environment (its artifact, config, secrets, driver and limits)")
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .argument('<command...>', 'the command and its arguments, after -- (no shell)')
    .option('-d, --detach', 'run it in the background and print its run id')
    .addHelpText('after', '\nExamples:\n  skiff run orders production -- node scripts/reindex.mjs --all\n  skiff run orders dev --detach -- node scripts/backfill.mjs')
    .action((service: string, environment: string, command: string[], options: { detach?: boolean }) =>
      run(() => (options.detach ? runDetached(ctx, service, environment, command) : runAttached(ctx, service, environment, command))),
    );
}

async function runDetached(ctx: CliContext, service: string, environment: string, command: readonly string[]): Promise<number> {
  const started = await ctx.client.startRun({ environment, service, command, stdin: false });
  ctx.out(`run ${started.id} of ${service} ${started.release} in ${environment} started (pid ${started.pid ?? '?'})`);
  ctx.out(`see it: skiff runs ${service} ${environment}`);
  return 0;
}

async function runAttached(ctx: CliContext, service: string, environment: string, command: readonly string[]): Promise<number> {
  const started = await ctx.client.startRun({ environment, service, command, stdin: true });
  const done = new AbortController();
  const input = inputStream(ctx.input());
  void ctx.client.sendRunInput(environment, started.id, input.stream, done.signal).catch((error: unknown) => {
    ctx.err(`warning: its input could not be passed on: ${(error as Error).message}`);
  });
  const interrupted = ctx.interrupted();
  const stop = (): void => {
    ctx.err(`stopping run ${started.id}…`);
    void ctx.client.stopRun(environment, started.id).catch(() => undefined);
  };
  interrupted.addEventListener('abort', stop, { once: true });
  try {
    const ended = (await ctx.client.followRunOutput(environment, started.id, (text) => ctx.write(text), done.signal)) ?? (await ctx.client.run(environment, started.id));
    if (ended.state !== 'succeeded') ctx.err(`run ${ended.id} ${ended.state}: ${ended.reason ?? 'unknown'}`);
    return exitCodeOf(ended);
  } finally {
    interrupted.removeEventListener('abort', stop);
    done.abort();
    input.close();
  }
}

/** The run's exit code; a signal as a shell reports it (128 + its number); 1 when unknown. */
export function exitCodeOf(run: CommandRunView): number {
  if (run.exitCode !== null) return run.exitCode;
  const signal = run.signal === null ? undefined : constants.signals[run.signal as keyof typeof constants.signals];
  return signal === undefined ? 1 : 128 + signal;
}

/** Standard input as a web stream for fetch, and a way to stop reading it (a terminal would otherwise keep this process alive). */
function inputStream(source: AsyncIterable<string | Uint8Array>): { readonly stream: ReadableStream<Uint8Array>; close(): void } {
  const iterator = source[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    // A Node stream is destroyed: its iterator's return() would wait behind the read under way,
    // and a terminal or a pipe that sends nothing would keep this process alive.
    const stream = source as Partial<Pick<NodeJS.ReadStream, 'destroy'>>;
    if (typeof stream.destroy === 'function') stream.destroy();
    else void iterator.return?.();
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next().catch(() => ({ done: true as const, value: undefined }));
      if (next.done || closed) {
        controller.close();
        return;
      }
      controller.enqueue(typeof next.value === 'string' ? encoder.encode(next.value) : next.value);
    },
    cancel: close,
  });
  return { stream, close };
}

/** `skiff runs SERVICE ENV`: the service's command runs there, newest first. */
export function registerRuns(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('runs')
    .description('list the command runs of a service in an environment, newest first: skiff run, release commands, jobs')
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .option('-n, --limit <count>', 'at most this many', wholeNumber(1, 1000), 20)
    .option('--json', 'print JSON for scripts')
    .action((service: string, environment: string, options: { limit: number; json?: boolean }) =>
      run(async () => {
        const list = await ctx.client.runs(environment, service, options.limit);
        if (options.json) ctx.out(JSON.stringify(list, null, 2));
        else if (list.length === 0) ctx.out(`nothing has run with ${service} in ${environment} yet: skiff run ${service} ${environment} -- CMD`);
        else for (const line of formatRuns(list)) ctx.out(line);
        return 0;
      }),
    );
}

export function formatRuns(runs: readonly CommandRunView[]): string[] {
  const rows = runs.map((r) => [
    String(r.id),
    r.kind,
    r.release,
    r.state,
    r.exitCode === null ? (r.signal ?? '-') : String(r.exitCode),
    r.durationMs === null ? '-' : formatAge(r.durationMs),
    formatTime(r.startedAt),
    r.author,
    r.command.join(' '),
  ]);
  return formatTable(['ID', 'KIND', 'RELEASE', 'STATE', 'EXIT', 'TOOK', 'STARTED', 'BY', 'COMMAND'], rows);
}
