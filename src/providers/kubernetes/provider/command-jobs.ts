/**
 * Commands on Kubernetes (`skiff run`, release commands, job runs): each run is a batch/v1 Job of
 * one pod with the release's image, config, secrets, limits and volumes (manifests/command-job.ts).
 * The run's output is its pod's log, followed into a file as the pod runs; it has ended when the
 * Job is Complete or Failed (the exit code is the pod's container's), or when it is gone (stopped).
 * A restarted control plane finds the Job again by its name, kept in the run's handle.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from '../../../core/clock.js';
import type { CommandExit, CommandHandle, CommandLaunch, RunningCommand } from '../../../reconcile/provider.js';
import { kubeResources, type KubeClient, type KubeObject } from '../client/index.js';
import { commandJob } from '../manifests/command-job.js';
import { envConfigMap } from '../manifests/config-maps.js';
import type { ReleaseWorkload } from '../manifests/input.js';
import { dnsLabel } from '../manifests/names.js';
import { releaseSecret } from '../manifests/secret.js';
import { releaseNameOf } from './release-objects.js';

/** The label of a run's Job and pod: how its pod is found. */
export const runLabel = 'skiff.dev/run';

export interface CommandJobsDeps {
  readonly client: () => KubeClient;
  readonly environment: string;
  readonly namespace: string;
  /** Where the runs' output files are kept. */
  readonly logDir: string;
  readonly image: (launch: CommandLaunch) => Promise<string>;
  readonly secretEnv: (launch: CommandLaunch) => Promise<Readonly<Record<string, string>>>;
  readonly skiffEnv: (launch: CommandLaunch) => Readonly<Record<string, string>>;
  readonly apply: (object: KubeObject) => Promise<unknown>;
  /** Whether the pods pull with the environment's Secret `skiff-registry` (its registry asks for credentials). */
  readonly pullSecret: () => boolean;
  /** How often the Job and its pod are read while it runs (500 ms). */
  readonly pollMs?: number;
}

interface JobHandle {
  /** The Job's name, also its pod's `skiff.dev/run` label. */
  readonly job: string;
  readonly logPath: string;
}

type JobObject = KubeObject & { readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] } };
type PodObject = KubeObject & {
  readonly status?: {
    readonly containerStatuses?: readonly { readonly state?: { readonly running?: unknown; readonly terminated?: { readonly exitCode: number; readonly reason?: string } } }[];
  };
};

export class CommandJobs {
  private closed = false;

  constructor(private readonly deps: CommandJobsDeps) {}

  /** Stops reading the Jobs (the control plane goes; they run on, for the next one to recover). */
  close(): void {
    this.closed = true;
  }

  async start(launch: CommandLaunch): Promise<RunningCommand> {
    const { release } = launch;
    const image = await this.deps.image(launch);
    const secrets = Object.keys(release.secrets).length > 0 ? await this.deps.secretEnv(launch) : {};
    const workload: ReleaseWorkload = { service: release, release: releaseNameOf(release), replicas: 0, image, secrets, pullSecret: this.deps.pullSecret() };
    // A suffix of its own: run ids start again with a new data directory, the namespace may still hold old runs' Jobs.
    const job = dnsLabel(release.name, launch.runId, randomBytes(3).toString('hex'));
    const handle: JobHandle = { job, logPath: path.join(this.deps.logDir, release.name, `${launch.runId}.log`) };
    const { environment, namespace } = this.deps;
    const secret = releaseSecret(environment, namespace, workload);
    // What the pod refers to first: the release's config (and secrets), as its instances have them.
    for (const object of [envConfigMap(environment, namespace, workload), ...(secret ? [secret] : [])]) await this.deps.apply(object as KubeObject);
    await mkdir(path.dirname(handle.logPath), { recursive: true, mode: 0o700 });
    await writeFile(handle.logPath, '', { mode: 0o600 });
    const env = { ...this.deps.skiffEnv(launch), SKIFF_RUN_ID: launch.runId, ...launch.env };
    await this.deps.client().create(commandJob(environment, namespace, job, { workload, command: launch.command, env, labels: { [runLabel]: job } }) as KubeObject);
    return this.watch(handle);
  }

  async recover(handle: CommandHandle): Promise<RunningCommand | null> {
    const job = handle as unknown as JobHandle;
    if (typeof job.job !== 'string' || !(await this.deps.client().get(kubeResources.Job, job.job))) return null;
    // Its log is read again from the start: the pod keeps all of it.
    await writeFile(job.logPath, '', { mode: 0o600 }).catch(() => undefined);
    return this.watch(job);
  }

  private watch(handle: JobHandle): RunningCommand {
    const exited = this.follow(handle);
    return {
      handle: handle as unknown as CommandHandle,
      pid: 0,
      logPath: handle.logPath,
      exited,
      // Its pod goes with the Job, with the grace of the template: the service's stopGrace.
      stop: async () => {
        await this.deps.client().delete(kubeResources.Job, handle.job, { propagationPolicy: 'Background' });
        return exited;
      },
    };
  }

  /** Reads the Job and its pod until it has ended; the pod's log goes to the run's file meanwhile. */
  private async follow(handle: JobHandle): Promise<CommandExit> {
    const client = this.deps.client();
    let reading: Promise<void> | null = null;
    let last: PodObject | undefined;
    for (;;) {
      const job = await client.get<JobObject>(kubeResources.Job, handle.job).catch(() => null);
      const pod = (await this.pod(handle).catch(() => undefined)) ?? last;
      last = pod;
      const state = pod?.status?.containerStatuses?.[0]?.state;
      if (pod && reading === null && (state?.running || state?.terminated)) reading = this.readLog(pod.metadata.name, handle.logPath);
      const ended = job === undefined || (job?.status?.conditions ?? []).some((condition) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True');
      if (ended) {
        await reading;
        const terminated = last?.status?.containerStatuses?.[0]?.state?.terminated;
        if (terminated) return { exitCode: terminated.exitCode, signal: null, oomKilled: terminated.reason === 'OOMKilled' };
        return { exitCode: null, signal: job === undefined ? 'SIGTERM' : null, oomKilled: false };
      }
      if (this.closed) return { exitCode: null, signal: null, oomKilled: false };
      await sleep(this.deps.pollMs ?? 500);
    }
  }

  /** The pod's whole log, followed until its container ends (once: the pod is never restarted). */
  private async readLog(pod: string, logPath: string): Promise<void> {
    try {
      for await (const line of this.deps.client().podLogs(pod, { follow: true })) await appendFile(logPath, `${line}\n`);
    } catch {
      // A pod deleted while it ran (a stopped run): what was read is kept.
    }
  }

  private async pod(handle: JobHandle): Promise<PodObject | undefined> {
    const { items } = await this.deps.client().list<PodObject>(kubeResources.Pod, { labelSelector: `${runLabel}=${handle.job}` });
    return items[0];
  }
}
