/**
 * The `skiff` command. Every command except `validate` and `up` is a client of the REST API.
 * `runCli` returns the exit code instead of exiting, so tests run commands in-process.
 */
import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { createApiClient } from '../client/api-client.js';
import { systemClock, type Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { skiffVersion } from '../core/version.js';
import { loadCliConfig, type CliConfig } from '../config/cli-config.js';
import { registerAlerts } from './commands/alerts.js';
import { registerApply } from './commands/apply.js';
import { registerApprove } from './commands/approve.js';
import { registerArtifacts } from './commands/artifacts.js';
import { registerAudit } from './commands/audit.js';
import { registerBuild } from './commands/build.js';
import { registerCompletion } from './commands/completion.js';
import { registerDeploy } from './commands/deploy.js';
import { registerEvents } from './commands/events.js';
import { registerExport } from './commands/export.js';
import { registerHistory } from './commands/history.js';
import { registerInit } from './commands/init.js';
import { registerLogs } from './commands/logs.js';
import { registerOutline } from './commands/outline.js';
import { registerPipeline } from './commands/pipeline.js';
import { registerPlan } from './commands/plan.js';
import { registerPromote } from './commands/promote.js';
import { registerReleases } from './commands/releases.js';
import { registerRollback } from './commands/rollback.js';
import { registerParallel } from './commands/parallel.js';
import { registerRollout } from './commands/rollout.js';
import { registerRun, registerRuns } from './commands/run.js';
import { registerRestore } from './commands/restore.js';
import { registerScale } from './commands/scale.js';
import { registerSchema } from './commands/schema.js';
import { registerVolume } from './commands/volume.js';
import { registerCerts } from './commands/certs.js';
import { registerJobs } from './commands/jobs.js';
import { registerFlag } from './commands/flag.js';
import { registerPreview } from './commands/preview.js';
import { registerSecret } from './commands/secret.js';
import { registerStatus } from './commands/status.js';
import { registerStop } from './commands/stop.js';
import { registerSync } from './commands/sync.js';
import { registerToken } from './commands/token.js';
import { registerTop } from './commands/top.js';
import { registerValidate } from './commands/validate.js';
import type { CliContext, RunCommand, TextSink } from './context.js';
import { wholeNumber } from './options.js';
import { formatError } from './output.js';
import { readAll } from './read-all.js';
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';
import { explainUnauthorized } from './unauthorized.js';

/** What `runCli` takes from the process unless a test passes its own. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Read only by commands that take a value from standard input (`secret set --stdin`). */
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly config: CliConfig;
  readonly cwd: string;
  readonly clock: Clock;
  readonly author: string;
  /** Replaces Ctrl-C for commands that run until interrupted. */
  readonly interrupt: AbortSignal;
  readonly stopTimeoutMs: number;
  readonly fetch: typeof fetch;
}

const defaultStopTimeoutMs = 30_000;

/** Runs `skiff` with `argv` as in `process.argv` (node, script, args…) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  if (io.stdout === undefined) exitQuietlyOnBrokenPipe(process.stdout);
  const cleanups: (() => void)[] = [];
  let exitCode = 0;
  let config: CliConfig;
  try {
    config = io.config ?? loadCliConfig();
  } catch (error) {
    for (const line of formatError(error)) stderr.write(`${line}\n`);
    return 1;
  }
  const run: RunCommand = async (action) => {
    try {
      exitCode = await action();
    } catch (error) {
      const explained = error instanceof SkiffError ? explainUnauthorized(error, config) : error;
      for (const line of formatError(explained)) stderr.write(`${line}\n`);
      exitCode = 1;
    }
  };
  let interrupt: AbortSignal | undefined;
  const ctx: CliContext = {
    config,
    client: createApiClient({ baseUrl: config.apiUrl, token: config.token, ...(io.fetch ? { fetch: io.fetch } : {}) }),
    clock: io.clock ?? systemClock,
    cwd: io.cwd ?? process.cwd(),
    author: io.author ?? currentUser(),
    stopTimeoutMs: io.stopTimeoutMs ?? defaultStopTimeoutMs,
    out: (line = '') => void stdout.write(`${line}\n`),
    err: (line = '') => void stderr.write(`${line}\n`),
    write: (text) => void stdout.write(text),
    input: () => io.stdin ?? process.stdin,
    readStdin: (maxBytes) => readAll(io.stdin ?? process.stdin, maxBytes),
    interrupted: () => (interrupt ??= io.interrupt ?? onCtrlC(cleanups)),
  };

  const program = new Command('skiff')
    .description('Skiff: from a built artifact to production, and keeping it there')
    .version(skiffVersion, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => void stdout.write(text), writeErr: (text) => void stderr.write(text) })
    .showHelpAfterError('(run `skiff help` for the commands)');
  registerUp(program, run);
  registerInit(program, ctx, run);
  registerValidate(program, ctx, run);
  registerSchema(program, ctx, run);
  registerOutline(program, ctx, run);
  registerCompletion(program, ctx, run);
  registerPlan(program, ctx, run);
  registerApply(program, ctx, run);
  registerStatus(program, ctx, run);
  registerLogs(program, ctx, run);
  registerScale(program, ctx, run);
  registerBuild(program, ctx, run);
  registerArtifacts(program, ctx, run);
  registerDeploy(program, ctx, run);
  registerReleases(program, ctx, run);
  registerRollback(program, ctx, run);
  registerPromote(program, ctx, run);
  registerRollout(program, ctx, run);
  registerParallel(program, ctx, run);
  registerSecret(program, ctx, run);
  registerEvents(program, ctx, run);
  registerAlerts(program, ctx, run);
  registerTop(program, ctx, run);
  registerHistory(program, ctx, run);
  registerRestore(program, ctx, run);
  registerRun(program, ctx, run);
  registerRuns(program, ctx, run);
  registerPipeline(program, ctx, run);
  registerApprove(program, ctx, run);
  registerStop(program, ctx, run);
  registerToken(program, ctx, run);
  registerAudit(program, ctx, run);
  registerExport(program, ctx, run);
  registerVolume(program, ctx, run);
  registerCerts(program, ctx, run);
  registerJobs(program, ctx, run);
  registerFlag(program, ctx, run);
  registerSync(program, ctx, run);
  registerPreview(program, ctx, run);

  try {
    await program.parseAsync([...argv], { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
  return exitCode;
}

/** `skiff up` lives in main/ (the composition root); it is loaded only when asked for. */
function registerUp(program: Command, run: RunCommand): void {
  program
    .command('up')
    .description('start Skiff here: the API, the router and every service of the spec, until Ctrl-C')
    .argument('[dir]', 'the directory holding skiff.yaml, or the file itself')
    .option('-e, --env <name>', 'environment to run (default: SKIFF_ENV or dev)')
    .option('--data <dir>', 'data directory (default: SKIFF_DATA or .skiff)')
    .option('--api-port <port>', 'port of the API and dashboard', wholeNumber(0, 65_535))
    .option('--router-port <port>', 'port of the router', wholeNumber(0, 65_535))
    .option('--router-listen <address...>', "the environment's router addresses, IP:PORT (443 is HTTPS) or IP:PORT/tls, in place of its spec's router.listen")
    .option('--api-listen <address>', 'IP:PORT of the API and dashboard (default 127.0.0.1 and --api-port); plain HTTP, so a warning when not loopback')
    .option('--warm-pool <count>', 'function runtimes kept started once a function runs here (default: SKIFF_FUNCTION_WARM_POOL or 2)', wholeNumber(0, 64))
    .option('--force-conflicts', 'on Kubernetes, take over fields another field manager owns (server-side apply force) instead of reporting the conflict')
    .action((dir: string | undefined, options: { env?: string; data?: string; apiPort?: number; routerPort?: number; routerListen?: string[]; apiListen?: string; warmPool?: number; forceConflicts?: boolean }) =>
      run(async () => {
        const { runUp } = await import('../main/up.js');
        return runUp({
          dir,
          env: options.env,
          dataDir: options.data,
          apiPort: options.apiPort,
          routerPort: options.routerPort,
          routerListen: options.routerListen,
          apiListen: options.apiListen,
          warmPool: options.warmPool,
          forceConflicts: options.forceConflicts,
        });
      }),
    );
}

function onCtrlC(cleanups: (() => void)[]): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  cleanups.push(() => process.removeListener('SIGINT', abort));
  return controller.signal;
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for this uid, as in some containers.
    return 'unknown';
  }
}
