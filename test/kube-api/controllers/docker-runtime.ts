/**
 * Pods as real containers on the Docker engine. Each pod gets its own loopback address
 * (127.X.Y.Z) as its pod IP, and each container port is published on that address under the
 * same port number, so EndpointSlices list addresses a test can connect to and all traffic
 * stays on loopback. Restarts, CrashLoopBackOff, ErrImagePull/ImagePullBackOff and OOMKilled
 * come from what the engine reports; readiness and liveness probes run against the pod IP.
 * Init containers run one after the other to success before the pod's containers start; volumes,
 * the service account and host-network pods are pod-sandbox.ts's.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { badRequest } from '../status.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { resolveEnv } from './container-env.js';
import type { LogOptions } from '../http-server.js';
import { containerLogs } from './docker-logs.js';
import { containerUsage } from './docker-usage.js';
import { ClaimVolumes } from './claim-volumes.js';
import { typeOfKind } from '../resources.js';
import { refOf, timestamp, type ContainerReport, type ContainerState, type ContainerUsage, type PodRuntime, type PodRuntimeSink } from './pod-runtime.js';
import { PodSandbox, expandReferences, type PodSandboxOptions } from './pod-sandbox.js';
import { imageRegistryHost, podPullAuth, RegistryChallenges } from './image-pull-auth.js';
import { probeOnce } from './probes.js';
import { memoryBytes, nanoCpus } from './quantities.js';

type JsonObject = Record<string, unknown>;

export interface DockerRuntimeOptions {
  /** The first restart or pull back-off (the kubelet's is 10 s), doubled each time up to 5 minutes. */
  readonly backoffMs?: number;
  /** Where pods' volumes go, which pods run in the host's network, and the API server they reach. */
  readonly sandbox: PodSandboxOptions;
}

interface ContainerRun {
  readonly spec: JsonObject;
  report: ContainerReport;
  containerId?: string;
  previousId?: string;
  started: boolean;
}

interface PodRun {
  readonly pod: KubeObject;
  readonly ip: string;
  readonly sink: PodRuntimeSink;
  readonly sandbox: PodSandbox;
  readonly containers: ContainerRun[];
  /** The init container running now, if one is. */
  initContainerId?: string;
  stopped: boolean;
  readonly wakers: Set<() => void>;
}

const MAX_BACKOFF_MS = 300_000;
const CLAIMS = typeOfKind('PersistentVolumeClaim');
export const FAKE_LABEL = 'skiff.kube-fake/instance';

export class DockerRuntime implements PodRuntime {
  private readonly runs = new Map<string, PodRun>();
  private readonly instance = randomBytes(6).toString('hex');
  private readonly backoffMs: number;
  private readonly claims: ClaimVolumes;
  private readonly goneClaims = new Set<string>();
  private readonly challenges = new RegistryChallenges();

  constructor(
    private readonly docker: Docker,
    private readonly store: ObjectStore,
    private readonly options: DockerRuntimeOptions,
  ) {
    this.backoffMs = options.backoffMs ?? 10_000;
    this.claims = new ClaimVolumes(docker, options.sandbox.dataDir, [FAKE_LABEL, this.instance]);
  }

  /** Its volume goes once no container refers to it: tried now, and again after each pod stops. */
  claimGone(claimUid: string): void {
    this.goneClaims.add(claimUid);
    this.removeGoneClaims();
  }

  private removeGoneClaims(): void {
    for (const uid of this.goneClaims) void this.claims.remove(uid).then((removed) => removed && this.goneClaims.delete(uid));
  }

  start(pod: KubeObject, sink: PodRuntimeSink): void {
    const ip = `127.${randomInt(100, 200)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const containers = ((pod.spec as JsonObject).containers ?? []) as JsonObject[];
    const initContainers = ((pod.spec as JsonObject).initContainers ?? []) as JsonObject[];
    const sandbox = new PodSandbox(pod, this.store, this.options.sandbox);
    sandbox.prepare();
    const run: PodRun = {
      pod,
      ip,
      sink,
      sandbox,
      stopped: false,
      wakers: new Set(),
      containers: containers.map((spec) => ({
        spec,
        started: false,
        report: { name: String(spec.name), image: String(spec.image), imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: initContainers.length > 0 ? 'PodInitializing' : 'ContainerCreating' } } },
      })),
    };
    this.runs.set(pod.metadata.uid ?? '', run);
    this.report(run);
    void (async () => {
      await this.mountClaims(run);
      for (const spec of initContainers) await this.runInitContainer(run, spec);
      if (!run.stopped) for (const c of run.containers) void this.runContainer(run, c);
    })();
  }

  /**
   * Stops the pod's containers as the kubelet does: a container's preStop `sleep` first (its
   * container keeps serving meanwhile), counted in the grace period; then SIGTERM, then SIGKILL
   * when the rest of the grace period is over (at least 2 s, as the kubelet gives). `close()`
   * skips the preStop.
   */
  async stop(pod: KubeObject, runPreStop = true): Promise<void> {
    const run = this.runs.get(pod.metadata.uid ?? '');
    if (!run) return;
    run.stopped = true;
    for (const wake of run.wakers) wake();
    const grace = Math.min(30, Number((pod.spec as JsonObject).terminationGracePeriodSeconds ?? 30));
    await Promise.all(
      run.containers.map(async (c) => {
        const preStop = Number(((c.spec.lifecycle as JsonObject | undefined)?.preStop as { sleep?: { seconds?: number } } | undefined)?.sleep?.seconds ?? 0);
        const pause = runPreStop && c.containerId !== undefined ? Math.min(preStop, grace) : 0;
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause * 1000));
        const ids = [c.containerId, c.previousId].filter((id): id is string => id !== undefined);
        await Promise.all(ids.map((id) => this.remove(id, pause > 0 ? Math.max(2, grace - pause) : grace)));
      }),
    );
    if (run.initContainerId) await this.remove(run.initContainerId, 0);
    run.sandbox.remove();
    this.runs.delete(pod.metadata.uid ?? '');
    this.removeGoneClaims();
  }

  logs(pod: KubeObject, options: LogOptions): Readable {
    const run = this.runs.get(pod.metadata.uid ?? '');
    const c = run?.containers.find((x) => x.report.name === options.container);
    const id = options.previous ? c?.previousId : c?.containerId;
    if (!id) {
      const waiting = c && 'waiting' in c.report.state ? c.report.state.waiting.reason : 'not started';
      throw badRequest(`container "${options.container ?? ''}" in pod "${pod.metadata.name}" is waiting to start: ${waiting}`);
    }
    return containerLogs(this.docker, id, options);
  }

  /** As `docker stats --no-stream` measures it: the CPU between two reads about a second apart, and the working set. */
  async usage(pod: KubeObject): Promise<readonly ContainerUsage[]> {
    const run = this.runs.get(pod.metadata.uid ?? '');
    const running = (run?.containers ?? []).filter((c) => c.containerId !== undefined && 'running' in c.report.state);
    const measured = await Promise.all(running.map(async (c) => containerUsage(this.docker, c.report.name, c.containerId as string)));
    return measured.filter((u): u is ContainerUsage => u !== null);
  }

  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => this.stop(run.pod, false)));
    const left = await this.docker.listContainers({ all: true, filters: { label: [`${FAKE_LABEL}=${this.instance}`] } });
    await Promise.all(left.map((c) => this.remove(c.Id, 0)));
    await this.claims.close();
  }

  /** Gives each persistentVolumeClaim volume its claim's Docker volume (the scheduler bound the pod only once its claims existed). */
  private async mountClaims(run: PodRun): Promise<void> {
    for (const volume of ((run.pod.spec as JsonObject).volumes ?? []) as { name: string; persistentVolumeClaim?: { claimName: string } }[]) {
      if (!volume.persistentVolumeClaim) continue;
      let backoff = this.backoffMs;
      while (!run.stopped) {
        const claim = this.store.get(CLAIMS, run.pod.metadata.namespace, volume.persistentVolumeClaim.claimName);
        const mounted = claim ? await this.claims.ensure(claim).catch((error: Error) => error) : new Error(`persistentvolumeclaim "${volume.persistentVolumeClaim.claimName}" not found`);
        if (typeof mounted === 'string') {
          run.sandbox.useClaimVolume(volume.name, mounted);
          break;
        }
        run.sink.event(refOf(run.pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${volume.name}": ${mounted.message}`);
        await this.sleep(run, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Runs an init container until it exits 0 (each failure after a back-off, as the kubelet does); resolves early when the pod stops. */
  private async runInitContainer(run: PodRun, spec: JsonObject): Promise<void> {
    let backoff = this.backoffMs;
    const c: ContainerRun = { spec, started: false, report: { name: String(spec.name), image: String(spec.image), imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } } };
    while (!run.stopped) {
      if (await this.ensureImage(run, c)) {
        try {
          const id = await this.createAndStart(run, c);
          run.initContainerId = id;
          const waited = (await this.docker.getContainer(id).wait().catch(() => ({ StatusCode: 137 }))) as { StatusCode: number };
          run.initContainerId = undefined;
          await this.remove(id, 0);
          if (waited.StatusCode === 0) return;
          run.sink.event(refOf(run.pod), 'Warning', 'BackOff', `Back-off restarting failed init container ${c.report.name} (exit code ${waited.StatusCode})`);
        } catch (error) {
          run.sink.event(refOf(run.pod), 'Warning', 'Failed', `Error: ${(error as Error).message}`);
        }
      }
      await this.sleep(run, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private async runContainer(run: PodRun, c: ContainerRun): Promise<void> {
    let backoff = this.backoffMs;
    const restartPolicy = String((run.pod.spec as JsonObject).restartPolicy ?? 'Always');
    while (!run.stopped) {
      const pulled = await this.ensureImage(run, c);
      if (run.stopped) return;
      if (!pulled) {
        await this.sleep(run, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      let containerId: string;
      try {
        containerId = await this.createAndStart(run, c);
      } catch (error) {
        this.update(run, c, { state: { waiting: { reason: 'RunContainerError', message: (error as Error).message } } });
        run.sink.event(refOf(run.pod), 'Warning', 'Failed', `Error: ${(error as Error).message}`);
        await this.sleep(run, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      const exit = await this.supervise(run, c, containerId);
      if (run.stopped) return;
      const terminated: ContainerState = { terminated: exit };
      if (restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && exit.exitCode === 0)) {
        this.update(run, c, { state: terminated, ready: false });
        return;
      }
      this.update(run, c, {
        ready: false,
        restartCount: c.report.restartCount + 1,
        lastState: terminated,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.report.name} pod=${run.pod.metadata.name}_${run.pod.metadata.namespace}(${run.pod.metadata.uid})` } },
      });
      run.sink.event(refOf(run.pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.report.name} in pod ${run.pod.metadata.name}_${run.pod.metadata.namespace}(${run.pod.metadata.uid})`);
      await this.sleep(run, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Pulls when the policy says so or the image is missing; false (with ErrImagePull, then ImagePullBackOff) when that fails. */
  private async ensureImage(run: PodRun, c: ContainerRun): Promise<boolean> {
    const image = String(c.spec.image);
    const local = await this.docker.getImage(image).inspect().catch(() => undefined);
    const policy = String(c.spec.imagePullPolicy ?? 'IfNotPresent');
    const host = imageRegistryHost(image);
    // A registry that asks for credentials: pulled with the pod's, even when the engine has the image (it pushed it).
    const authenticated = host !== undefined && (await this.challenges.asks(host));
    if (local && policy !== 'Always' && !(authenticated && !c.started)) {
      if (!c.started) run.sink.event(refOf(run.pod), 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      c.report = { ...c.report, imageID: local.RepoDigests?.[0] ?? local.Id };
      return true;
    }
    if (policy === 'Never') {
      this.update(run, c, { state: { waiting: { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` } } });
      return false;
    }
    run.sink.event(refOf(run.pod), 'Normal', 'Pulling', `Pulling image "${image}"`);
    try {
      const authconfig = authenticated && host !== undefined ? podPullAuth(this.store, run.pod, host) : undefined;
      const stream = await this.docker.pull(image, authconfig ? { authconfig } : {});
      await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
      const pulled = await this.docker.getImage(image).inspect();
      c.report = { ...c.report, imageID: pulled.RepoDigests?.[0] ?? pulled.Id };
      run.sink.event(refOf(run.pod), 'Normal', 'Pulled', `Successfully pulled image "${image}"`);
      return true;
    } catch (error) {
      const message = `Failed to pull image "${image}": ${(error as Error).message.trim()}`;
      run.sink.event(refOf(run.pod), 'Warning', 'Failed', message);
      this.update(run, c, { state: { waiting: { reason: 'ErrImagePull', message } } });
      // The kubelet reports ErrImagePull for the failed attempt, then ImagePullBackOff while it waits.
      this.update(run, c, { state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${message}` } } });
      run.sink.event(refOf(run.pod), 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      return false;
    }
  }

  private async createAndStart(run: PodRun, c: ContainerRun): Promise<string> {
    const { pod, ip, sandbox } = run;
    const spec = c.spec;
    // In the host's network a pod listens on its pod IP itself: nothing is published.
    const ports = sandbox.hostNetwork ? [] : ((spec.ports ?? []) as JsonObject[]).map((p) => `${Number(p.containerPort)}/${String(p.protocol ?? 'TCP').toLowerCase()}`);
    const env = [...sandbox.serviceEnv(), ...resolveEnv(this.store, pod, spec, ip)];
    const limits = ((spec.resources as JsonObject | undefined)?.limits ?? {}) as JsonObject;
    const memory = memoryBytes(limits.memory);
    const cpus = nanoCpus(limits.cpu);
    const created = await this.docker.createContainer({
      name: `k8s_${c.report.name}_${pod.metadata.name}_${pod.metadata.namespace}_${pod.metadata.uid}_${c.report.restartCount}`,
      Image: String(spec.image),
      ...(Array.isArray(spec.command) ? { Entrypoint: expandReferences(spec.command as string[], env) } : {}),
      ...(Array.isArray(spec.args) ? { Cmd: expandReferences(spec.args as string[], env) } : {}),
      Env: env,
      ...(spec.workingDir ? { WorkingDir: String(spec.workingDir) } : {}),
      ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
      Labels: { [FAKE_LABEL]: this.instance, 'io.kubernetes.pod.name': pod.metadata.name, 'io.kubernetes.pod.namespace': pod.metadata.namespace ?? '', 'io.kubernetes.container.name': c.report.name },
      HostConfig: {
        PortBindings: Object.fromEntries(ports.map((p) => [p, [{ HostIp: ip, HostPort: p.split('/')[0] }]])),
        Binds: sandbox.binds(spec),
        ...(sandbox.hostNetwork ? { NetworkMode: 'host' } : {}),
        ...(memory ? { Memory: memory } : {}),
        ...(cpus ? { NanoCpus: cpus } : {}),
      },
    });
    if (c.previousId) await this.remove(c.previousId, 0);
    c.previousId = c.containerId;
    c.containerId = created.id;
    run.sink.event(refOf(pod), 'Normal', 'Created', `Created container ${c.report.name}`);
    await created.start();
    run.sink.event(refOf(pod), 'Normal', 'Started', `Started container ${c.report.name}`);
    return created.id;
  }

  /** Runs probes while the container lives; resolves with how it ended. */
  private async supervise(run: PodRun, c: ContainerRun, containerId: string): Promise<{ exitCode: number; reason: string; startedAt?: string; finishedAt: string }> {
    const container = this.docker.getContainer(containerId);
    const startedAt = timestamp();
    c.started = true;
    const readiness = c.spec.readinessProbe as JsonObject | undefined;
    this.update(run, c, { containerID: `docker://${containerId}`, state: { running: { startedAt } }, ready: readiness === undefined });
    let alive = true;
    // The probe loops end on their own once `alive` is false.
    if (readiness) void this.probeLoop(run, c, readiness, () => alive, (ok) => this.update(run, c, { ready: ok }));
    if (c.spec.livenessProbe) {
      void this.probeLoop(run, c, c.spec.livenessProbe as JsonObject, () => alive, (ok) => {
        if (ok) return;
        run.sink.event(refOf(run.pod), 'Normal', 'Killing', `Container ${c.report.name} failed liveness probe, will be restarted`);
        void container.kill().catch(() => undefined);
      });
    }
    const waited = (await container.wait().catch(() => ({ StatusCode: 137 }))) as { StatusCode: number };
    alive = false;
    const inspected = await container.inspect().catch(() => undefined);
    const exitCode = inspected?.State.ExitCode ?? waited.StatusCode;
    const reason = inspected?.State.OOMKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    return { exitCode, reason, startedAt, finishedAt: timestamp() };
  }

  /** Probes every periodSeconds after initialDelaySeconds; reports a change after success/failure thresholds. */
  private async probeLoop(run: PodRun, c: ContainerRun, probe: JsonObject, alive: () => boolean, onChange: (ok: boolean) => void): Promise<void> {
    const period = Number(probe.periodSeconds ?? 10) * 1000;
    const successThreshold = Number(probe.successThreshold ?? 1);
    const failureThreshold = Number(probe.failureThreshold ?? 3);
    await this.sleep(run, Number(probe.initialDelaySeconds ?? 0) * 1000);
    let state: boolean | undefined;
    let successes = 0;
    let failures = 0;
    while (alive() && !run.stopped) {
      const ok = await probeOnce(probe, c.spec, run.ip);
      successes = ok ? successes + 1 : 0;
      failures = ok ? 0 : failures + 1;
      if (ok && state !== true && successes >= successThreshold) onChange((state = true));
      if (!ok && state !== false && failures >= failureThreshold) onChange((state = false));
      await this.sleep(run, period);
    }
  }

  private update(run: PodRun, c: ContainerRun, change: Partial<ContainerReport>): void {
    if (run.stopped) return;
    c.report = { ...c.report, ...change };
    this.report(run);
  }

  private report(run: PodRun): void {
    const all = run.containers.map((c) => c.report);
    const everyStarted = run.containers.every((c) => c.started);
    const finished = all.every((r) => 'terminated' in r.state);
    const phase = finished && everyStarted ? (all.every((r) => 'terminated' in r.state && r.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed') : everyStarted ? 'Running' : 'Pending';
    run.sink.report(refOf(run.pod), { phase, podIP: run.ip, containers: all });
  }

  private sleep(run: PodRun, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        run.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      run.wakers.add(done);
    });
  }

  private async remove(id: string, graceSeconds: number): Promise<void> {
    const container = this.docker.getContainer(id);
    await container.stop({ t: graceSeconds }).catch(() => undefined);
    await container.remove({ force: true }).catch(() => undefined);
  }
}

