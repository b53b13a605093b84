/**
 * For the scheduler's tests: runs one attempt of a scheduled job as a plain child process in the
 * release's directory, with the release's environment, secrets and (process driver) volumes, its
 * group stopped at abort. `skiff up` runs jobs as command runs (control-plane/job-run-executor.ts).
 */
import { spawn } from 'node:child_process';
import { SkiffError } from '../../core/errors.js';
import { volumeDirectory, volumeEnv } from '../../drivers/volumes.js';
import type { JobRunOutcome, StartJobRun } from '../../reconcile/job-scheduler.js';
import type { DesiredService } from '../../spec/desired.js';

export interface ChildProcessJobRunnerDeps {
  /** The release's directory (the unpacked artifact, or the source directory). */
  readonly prepare: (service: DesiredService) => Promise<{ readonly directory: string }>;
  readonly secretEnv: (service: DesiredService) => Promise<Readonly<Record<string, string>>>;
  /** What every instance inherits from the machine (PATH, HOME, LANG). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly dataDir: string;
}

const outputKeptChars = 4096;

export function childProcessJobRunner(deps: ChildProcessJobRunnerDeps): StartJobRun {
  return async (request) => {
    const { service } = request;
    if (service.driver !== 'process') {
      throw new SkiffError('SKIFF_NOT_SUPPORTED', `job ${request.job}: this test runner runs process services only (${service.name} is ${service.driver})`);
    }
    const { directory } = await deps.prepare(service);
    const secrets = await deps.secretEnv(service);
    const volumes = volumeEnv(service.volumes, (volume) =>
      volumeDirectory(deps.dataDir, { environment: request.environment, service: service.name, name: volume.name }),
    );
    const [file, ...args] = request.command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: directory,
      env: {
        ...deps.baseEnv,
        ...service.env,
        ...secrets,
        ...volumes,
        SKIFF_SERVICE: service.name,
        SKIFF_ENVIRONMENT: request.environment,
        SKIFF_RELEASE: service.release ?? '',
        SKIFF_JOB: request.job,
        SKIFF_JOB_RUN: String(request.runId),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own group, so a stop ends what it started too.
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-outputKeptChars);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const ended = new Promise<JobRunOutcome>((resolve) => {
      child.once('close', (exitCode, signal) => resolve({ exitCode, signal, output }));
    });
    try {
      await spawned;
    } catch (error) {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot start "${request.command.join(' ')}" in ${directory}: ${(error as Error).message}`, {
        hint: 'check that the command exists and is executable (it runs without a shell)',
      });
    }
    const stop = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      const kill = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), service.stopGraceMs);
      void ended.then(() => clearTimeout(kill));
    };
    if (request.signal.aborted) stop();
    else request.signal.addEventListener('abort', stop, { once: true });
    return ended;
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
