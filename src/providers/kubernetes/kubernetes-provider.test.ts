/**
 * The kubernetes provider against the fake API server (simulated pods: its deployment and
 * ReplicaSet controllers create pods, which are ready at once unless a test says otherwise).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SkiffError } from '../../core/errors.js';
import type { ObservedInstance } from '../../core/instance.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Deployment } from '../../reconcile/deployment.js';
import { LogCollector } from '../../monitoring/log-collector.js';
import { EnvironmentController } from '../../reconcile/environment-controller.js';
import type { ParallelRun } from '../../reconcile/parallel-run.js';
import type { ProviderContext } from '../../reconcile/provider.js';
import { createDeploymentStore } from '../../store/deployment-store.js';
import { openDatabase } from '../../store/sqlite-store.js';
import type { NewEvent } from '../../store/state-store.js';
import { desiredService } from '../../reconcile/testing/deployments.js';
import type { DesiredEnvironment, DesiredService } from '../../spec/desired.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../../test/kube-api/start-fake-kube-api.js';
import { request } from '../../../test/kube-api/testing/kube-client.js';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { kubeResources, type KubeObject } from './client/index.js';
import { KubernetesProvider, type PublishImage } from './kubernetes-provider.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const namespace = 'skiff-dev';
const digest = `sha256:${'ab'.repeat(32)}`;
const web = (release = 'v1', extra: Partial<DesiredService> = {}): DesiredService => desiredService(release, `hash-${release}`, { artifact: digest, ...extra });
const environment = (...services: DesiredService[]): DesiredEnvironment => ({ name: 'dev', services });
const waitFor = <T>(check: () => T | Promise<T>): Promise<T> => vi.waitFor(check, { timeout: 15_000, interval: 20 });

async function fakeApi(options: Parameters<typeof startFakeKubeApi>[0] = { namespaces: [namespace] }): Promise<FakeKubeApi> {
  const api = await startFakeKubeApi(options);
  cleanups.push(() => api.stop());
  return api;
}

function contextWith(emit: (event: NewEvent) => void = () => undefined): ProviderContext {
  return {
    environment: 'dev',
    routerPort: 8080,
    hooks: {
      emit,
      instanceChanged: () => undefined,
      routesChanged: async () => undefined,
      drainTimeoutMs: () => 1000,
      dataPlaneRestarted: () => undefined,
    },
  };
}

function provider(api: FakeKubeApi): KubernetesProvider {
  return withContext(api, contextWith());
}

/**
 * The pods here are simulated (no engine, no registry), so the image is the artifact's name in a
 * registry nothing pulls from; the real push is the image module's, tested against a real registry.
 */
const publishedImages: PublishImage = async (release, registry) => ({ reference: `${registry}/${release.name}@${release.artifact}`, digest: release.artifact ?? '', pushed: true });

function withContext(api: FakeKubeApi, context: ProviderContext, publishImage: PublishImage = publishedImages, extra: { forceConflicts?: boolean } = {}): KubernetesProvider {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kube-data-'));
  const created = new KubernetesProvider(context, {
    ...extra,
    dataDir,
    publishImage,
    settings: { serviceType: 'NodePort', kubeconfig: api.kubeconfigPath },
    registry: '127.0.0.1:5000/skiff',
    specDir: '/',
    kubeconfigDefaults: { homeDir: '/nonexistent' },
    clock: { now: () => Date.now() },
    secretEnv: async (release) => Object.fromEntries(Object.keys(release.secrets).map((name) => [name, `value of ${name}`])),
    placeTimeoutMs: 15_000,
  });
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  cleanups.push(() => created.detach());
  return created;
}

async function failure(promise: Promise<unknown>): Promise<SkiffError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SkiffError);
  return error as SkiffError;
}

const states = (subject: KubernetesProvider): string[] => subject.observed().map((instance) => `${instance.release}:${instance.state}`);

describe('KubernetesProvider', () => {
  it('refuses to start in a namespace that does not exist, naming it', async () => {
    const api = await fakeApi({});
    const error = await failure(provider(api).start(environment(web())));
    expect(error.code).toBe('SKIFF_KUBE_NAMESPACE_MISSING');
    expect(error.message).toContain(`namespace "${namespace}" does not exist`);
    expect(error.hint).toContain(`kubectl create namespace ${namespace}`);
  });

  it("reads a pod's usage from metrics.k8s.io, and says when the cluster has no metrics-server", async () => {
    for (const metricsApi of [true, false]) {
      const subject = provider(await fakeApi({ namespaces: [namespace], metricsApi }));
      await subject.start(environment(web()));
      await subject.place(web());
      const [pod] = await waitFor(() => {
        expect(states(subject)).toEqual(['v1:ready']);
        return subject.observed();
      });
      expect(subject.capabilities.usage).toBe(true);
      if (metricsApi) {
        const usage = await waitFor(async () => {
          const read = await subject.usage(pod!.id);
          expect(read).not.toBeNull();
          return read;
        });
        expect(usage?.rssBytes).toBe(16 * 1024 * 1024);
        expect(subject.usageUnavailable()).toBeNull();
      } else {
        expect(await subject.usage(pod!.id)).toBeNull();
        expect(subject.usageUnavailable()).toBe('metrics-server is not installed in the cluster (metrics.k8s.io); install it to see usage');
      }
    }
  });

  it('places instances as replicas of the release Deployment, observed as ready pods with their release, config hash and address', async () => {
    const api = await fakeApi();
    const subject = provider(api);
    expect((await subject.start(environment(web()))).dataPlane).toBe('started');
    await subject.place(web());
    await subject.place(web());
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready', 'v1:ready']));
    const [first, second] = subject.observed();
    expect(first).toMatchObject({ service: 'web', release: 'v1', configHash: 'hash-v1', restarts: 0, reason: null, environment: 'dev' });
    expect(first?.address).toEqual({ host: expect.stringMatching(/^10\.244\./), port: 8080 });
    expect(first!.ordinal).toBeLessThan(second!.ordinal);
    const deployment = await subject.client.get<IDeployment & KubeObject>(kubeResources.Deployment, 'web-v1');
    expect(deployment?.spec?.replicas).toBe(2);
    expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe(`127.0.0.1:5000/skiff/web@${digest}`);
  });

  it("lists each started pod's followed log for the log collector, which collects its lines tagged by pod", async () => {
    const api = await fakeApi();
    const subject = provider(api);
    expect(subject.capabilities.logs).toBe(true);
    await subject.start(environment(web()));
    await subject.place(web());
    await subject.place(web());
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready', 'v1:ready']));
    const pods = subject.observed().map((instance) => instance.id);
    await waitFor(() => expect(subject.logSources().map((source) => [source.id, source.service, source.release])).toEqual(pods.map((pod) => [pod, 'web', 'v1'])));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-collected-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const collector = new LogCollector({ dataDir, clock: { now: () => Date.now() }, logger: pino({ level: 'silent' }), instances: () => subject.logSources() });
    const image = `127.0.0.1:5000/skiff/web@${digest}`;
    await waitFor(async () => {
      const lines = await collector.query({ environment: 'dev', service: 'web' });
      expect(lines.map((line) => [line.instance, line.line]).sort()).toEqual(pods.map((pod) => [pod, `simulated container web started from ${image}`]).sort());
    });
  });

  it('stops exactly the pod it is asked to stop: stopping at once, then gone, the other untouched', async () => {
    const api = await fakeApi();
    const subject = provider(api);
    await subject.start(environment(web()));
    for (let i = 0; i < 3; i++) await subject.place(web());
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready', 'v1:ready', 'v1:ready']));
    const [, victim] = subject.observed();
    const version = subject.observedVersion();
    subject.stopInstance(victim!.id, 'scaled-down');
    expect(subject.observed().find((instance) => instance.id === victim!.id)?.state).toBe('stopping');
    expect(subject.observedVersion()).toBeGreaterThan(version);
    await waitFor(() => expect(subject.observed().map((instance) => instance.id)).not.toContain(victim!.id));
    expect(subject.observed()).toHaveLength(2);
    expect(states(subject)).toEqual(['v1:ready', 'v1:ready']);
    const scale = await subject.client.getScale(kubeResources.Deployment, 'web-v1');
    expect(scale.spec.replicas).toBe(2);
  });

  it('a stop the ReplicaSet resolves to another pod (a not-ready one goes first) is noticed: the drained pod is deleted directly', async () => {
    const api = await fakeApi();
    const events: NewEvent[] = [];
    const subject = withContext(api, contextWith((event) => events.push(event)));
    await subject.start(environment(web()));
    for (let i = 0; i < 2; i++) await subject.place(web());
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready', 'v1:ready']));
    api.setSimulatedPods(() => ({ kind: 'unready' }));
    await subject.place(web());
    const [drained, kept, unready] = subject.observed();
    // That pod stays not ready; the others (and the ReplicaSet's replacement) are ready.
    api.setSimulatedPods((pod) => ({ kind: pod.metadata.name === unready!.id ? 'unready' : 'ready' }));
    expect(unready?.state).toBe('starting');

    subject.stopInstance(drained!.id, 'scaled-down');
    // The ReplicaSet removes the not-ready pod; the drained one is then deleted directly and the ReplicaSet replaces the other.
    await waitFor(() => {
      const ids = subject.observed().map((instance) => instance.id);
      expect(ids).not.toContain(drained!.id);
      expect(ids).not.toContain(unready!.id);
      expect(states(subject)).toEqual(['v1:ready', 'v1:ready']);
    });
    expect(subject.observed().map((instance) => instance.id)).toContain(kept!.id);
    expect((await subject.client.getScale(kubeResources.Deployment, 'web-v1')).spec.replicas).toBe(2);
    expect(events.find((event) => event.type === 'instance.stop-redirected')?.message).toBe(
      `the ReplicaSet of web-v1 removed ${unready!.id} instead of the drained ${drained!.id}: deleting ${drained!.id} directly`,
    );
  });

  it('shows a crash-looping pod as crashed with the kubelet reason, and restart leaves it to the kubelet', async () => {
    const api = await fakeApi();
    api.setSimulatedPods(() => ({ kind: 'crash-loop', exitCode: 3 }));
    const subject = provider(api);
    await subject.start(environment(web()));
    await subject.place(web());
    await waitFor(() => expect(subject.observed()[0]?.state).toBe('crashed'));
    const [crashed] = subject.observed();
    expect(crashed?.reason).toMatch(/^CrashLoopBackOff: back-off/);
    expect(crashed).toMatchObject({ restarts: 1, address: null, nextStartAt: null });
    await subject.restart(crashed!.id, web());
    expect(subject.observed()).toEqual([crashed]);
  });

  it('reports a verb the credentials lack as SKIFF_KUBE_FORBIDDEN naming the verb and the resource: the place\'s reason, or the start\'s error', async () => {
    const api = await fakeApi();
    const subject = provider(api);
    await subject.start(environment(web()));
    api.setForbidden([{ verb: 'patch', resource: 'deployments' }]);
    // A running environment's refused write is the place's reason in status, tried again after a back-off.
    await subject.place(web());
    const [unplaced] = subject.observed();
    expect(unplaced).toMatchObject({ state: 'crashed', address: null });
    expect(unplaced?.reason).toMatch(/^its objects could not be applied: user "skiff-test" may not patch deployments\.apps in namespace "skiff-dev".*\[SKIFF_KUBE_FORBIDDEN\]/);

    api.setForbidden([{ verb: 'list', resource: 'pods' }]);
    const watching = await failure(provider(api).start(environment(web())));
    expect(watching.code).toBe('SKIFF_KUBE_FORBIDDEN');
    expect(watching.message).toMatch(/^user "skiff-test" may not list pods in namespace "skiff-dev"/);
  });

  it('reports no route table version (instead of failing) when the API server stops answering it', async () => {
    const api = await fakeApi();
    const subject = provider(api);
    await subject.start(environment(web()));
    expect(await subject.routeTableVersion()).toBe(0);
    api.setToken('expired');
    expect(await subject.routeTableVersion()).toBeNull();
  });

  it('writes nothing when the credentials cannot watch the pods', async () => {
    const api = await fakeApi({ namespaces: [namespace], forbidden: [{ verb: 'list', resource: 'pods' }] });
    const subject = provider(api);
    expect((await failure(subject.start(environment(web())))).code).toBe('SKIFF_KUBE_FORBIDDEN');
    expect((await subject.client.list(kubeResources.ConfigMap)).items).toEqual([]);
    expect((await subject.client.list(kubeResources.Service)).items).toEqual([]);
  });

  it('adopts what a detached provider left: the same instances, nothing recreated', async () => {
    const api = await fakeApi();
    const first = provider(api);
    await first.start(environment(web()));
    await first.place(web());
    await first.place(web());
    await first.publishRoutes({ version: 7, generatedAt: new Date(0).toISOString(), routes: [] });
    await waitFor(() => expect(states(first)).toEqual(['v1:ready', 'v1:ready']));
    const before = first.observed();
    first.detach();

    const second = provider(api);
    expect(await second.start(environment(web()))).toMatchObject({ dataPlane: 'adopted' });
    const byId = (instances: readonly ObservedInstance[]): Omit<ObservedInstance, 'ordinal'>[] =>
      [...instances].sort((a, b) => a.id.localeCompare(b.id)).map(({ ordinal: _, ...rest }) => rest);
    expect(byId(second.observed())).toEqual(byId(before));
    expect(await second.routeTableVersion()).toBe(7);
    const pods = await second.client.list(kubeResources.Pod, { labelSelector: 'skiff.dev/environment=dev' });
    expect(pods.items.map((pod) => pod.metadata.name).sort()).toEqual(before.map((instance) => instance.id).sort());
  });

  it('shutdown deletes what Skiff made in the namespace and nothing else', async () => {
    const api = await fakeApi();
    const subject = provider(api);
    await subject.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'team-settings', namespace } });
    await subject.start(environment(web()));
    await subject.place(web());
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready']));
    await subject.shutdown();
    const names = async (type: (typeof kubeResources)[keyof typeof kubeResources]): Promise<string[]> => (await subject.client.list(type)).items.map((object) => object.metadata.name);
    expect(await names(kubeResources.Deployment)).toEqual([]);
    expect(await names(kubeResources.Service)).toEqual([]);
    expect(await names(kubeResources.Pod)).toEqual([]);
    expect(await names(kubeResources.ConfigMap)).toEqual(['team-settings']);
  });

  it('runs under the EnvironmentController: keeps the desired count and publishes the ready pods to the routing table', async () => {
    const api = await fakeApi();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kube-environment-'));
    const db = openDatabase(dir);
    const clock = { now: () => Date.now() };
    let subject: KubernetesProvider | undefined;
    const controller = new EnvironmentController({
      environment: 'dev',
      routerPort: 8080,
      createProvider: (context) => (subject = withContext(api, context)),
      deployments: createDeploymentStore<Deployment, ParallelRun>(db, clock),
      clock,
      logger: pino({ level: 'silent' }),
      emit: () => undefined,
      rolloutAborted: () => undefined,
    });
    cleanups.push(() => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    cleanups.push(() => controller.shutdown({ immediate: true }));
    await controller.start(environment(web('v1', { instances: 2 })));
    await waitFor(() => expect(states(subject!)).toEqual(['v1:ready', 'v1:ready']));
    const addresses = subject!.observed().map((instance) => `${instance.address?.host}:${instance.address?.port}`).sort();
    await waitFor(async () => {
      const table = await subject!.dataPlaneTable();
      expect(table.routes.flatMap((route) => route.backends.map((backend) => `${backend.host}:${backend.port}`)).sort()).toEqual(addresses);
    });
    // An instance gone behind Skiff's back is replaced (by its ReplicaSet), and the count stays 2.
    const [lost] = subject!.observed();
    await subject!.client.delete(kubeResources.Pod, lost!.id);
    await waitFor(async () => {
      expect(states(subject!)).toEqual(['v1:ready', 'v1:ready']);
      expect(subject!.observed().map((instance) => instance.id)).not.toContain(lost!.id);
      expect((await subject!.client.getScale(kubeResources.Deployment, 'web-v1')).spec.replicas).toBe(2);
    });
  });

  it('a place whose image push fails applies nothing and is a crashed instance with the reason, placed again by restart', async () => {
    const api = await fakeApi();
    const events: NewEvent[] = [];
    let registryRefuses = true;
    const publish: PublishImage = async (release, registry) => {
      if (registryRefuses) throw new SkiffError('SKIFF_IMAGE_PUSH_FAILED', 'the registry refused the push of 127.0.0.1:5000/skiff/web:abababababab: 405 Method Not Allowed');
      return publishedImages(release, registry);
    };
    const subject = withContext(api, contextWith((event) => events.push(event)), publish);
    await subject.start(environment(web()));
    await subject.place(web());
    const [unplaced] = subject.observed();
    expect(unplaced).toMatchObject({ service: 'web', release: 'v1', configHash: 'hash-v1', state: 'crashed', address: null });
    expect(unplaced?.reason).toBe('its image could not be pushed: the registry refused the push of 127.0.0.1:5000/skiff/web:abababababab: 405 Method Not Allowed [SKIFF_IMAGE_PUSH_FAILED]');
    expect(unplaced?.nextStartAt).toBeGreaterThan(Date.now());
    expect((await subject.client.list(kubeResources.Deployment)).items).toEqual([]);
    expect((await subject.client.list(kubeResources.ConfigMap)).items.map((object) => object.metadata.name)).toEqual(['skiff-router-routes']);
    expect(events.find((event) => event.type === 'release.image-failed')?.message).toContain('its image could not be pushed, nothing was applied');

    registryRefuses = false;
    await subject.restart(unplaced!.id, web());
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready']));
    expect((await subject.client.getScale(kubeResources.Deployment, 'web-v1')).spec.replicas).toBe(1);
  });

  it('a field another manager owns is reported as the instance\'s reason (SKIFF_KUBE_CONFLICT, naming the field and manager), not forced; with forceConflicts Skiff takes it over', async () => {
    const api = await fakeApi();
    const events: NewEvent[] = [];
    const subject = withContext(api, contextWith((event) => events.push(event)));
    await subject.start(environment(web()));
    // Another tool (a GitOps controller, a person with kubectl) applies the release's Service with its own session affinity.
    const other = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-v1', namespace }, spec: { sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 8080 }] } };
    const applied = await request(api, 'PATCH', `/api/v1/namespaces/${namespace}/services/web-v1?fieldManager=argocd`, other, 'application/apply-patch+yaml');
    expect(applied.status).toBe(201);
    await subject.place(web());
    const [unplaced] = subject.observed();
    expect(unplaced).toMatchObject({ service: 'web', release: 'v1', state: 'crashed', address: null });
    expect(unplaced?.reason).toMatch(/^its objects could not be applied: applying services\/web-v1 in namespace "skiff-dev" conflicts with fields another manager owns: \.spec\.sessionAffinity \(managed by "argocd"\).*\[SKIFF_KUBE_CONFLICT\]/);
    expect(events.find((event) => event.type === 'release.apply-failed')?.message).toContain('SKIFF_KUBE_CONFLICT');
    expect((await subject.client.get<KubeObject & { spec: { sessionAffinity: string } }>(kubeResources.Service, 'web-v1'))?.spec.sessionAffinity).toBe('ClientIP');
    expect((await subject.client.list(kubeResources.Deployment)).items).toEqual([]);

    const forcing = withContext(api, contextWith(), publishedImages, { forceConflicts: true });
    await forcing.start(environment(web()));
    await forcing.place(web());
    await waitFor(() => expect(states(forcing)).toEqual(['v1:ready']));
    expect((await forcing.client.get<KubeObject & { spec: { sessionAffinity: string } }>(kubeResources.Service, 'web-v1'))?.spec.sessionAffinity).toBe('None');
  });

  it('prunes the objects of a release (Deployment, Service, Secret, env ConfigMap) no longer desired once its pods are gone, and never objects without its labels', async () => {
    const api = await fakeApi();
    const subject = provider(api);
    await subject.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'team-settings', namespace, labels: { 'app.kubernetes.io/name': 'web' } } });
    const v1 = web('v1', { secrets: { TOKEN: 1 }, env: { GREETING: 'one' } });
    const v2 = web('v2', { env: { GREETING: 'two' } });
    await subject.start(environment(v1));
    subject.follow(environment(v1));
    await subject.place(v1);
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready']));
    const names = async (type: (typeof kubeResources)[keyof typeof kubeResources]): Promise<string[]> => (await subject.client.list(type)).items.map((object) => object.metadata.name).sort();
    expect(await names(kubeResources.Secret)).toEqual(['web-v1-secrets']);

    // v2 replaces v1: while v1 still has a pod, its objects stay.
    subject.follow(environment(v2));
    await subject.place(v2);
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready', 'v2:ready']));
    expect(await names(kubeResources.Deployment)).toEqual(['web-v1', 'web-v2']);
    expect(await names(kubeResources.Service)).toEqual(['skiff-router', 'web-v1', 'web-v2']);
    const [old] = subject.observed();
    subject.stopInstance(old!.id, 'scaled-down');
    await waitFor(async () => {
      expect(await names(kubeResources.Deployment)).toEqual(['web-v2']);
      expect(await names(kubeResources.Service)).toEqual(['skiff-router', 'web-v2']);
      expect(await names(kubeResources.Secret)).toEqual([]);
      expect((await names(kubeResources.ConfigMap)).filter((name) => name.startsWith('web-env-'))).toHaveLength(1);
    });
    expect(await names(kubeResources.ConfigMap)).toEqual(expect.arrayContaining(['team-settings', 'skiff-router-routes']));
    expect(states(subject)).toEqual(['v2:ready']);
  });

  it("applies a service's volume as a PersistentVolumeClaim mounted by every release, keeps it when releases are pruned, when the volume leaves the spec and at shutdown, and deletes it only when asked", async () => {
    const api = await fakeApi();
    const subject = provider(api);
    const volumes = [{ name: 'data', path: '/var/lib/web' }];
    const v1 = web('v1', { volumes });
    const v2 = web('v2', { env: { GREETING: 'two' } });
    await subject.start(environment(v1));
    subject.follow(environment(v1));
    await subject.place(v1);
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready']));
    type Claim = KubeObject & { spec: { accessModes: string[]; volumeMode: string }; status: { phase: string } };
    const claim = await waitFor(async () => {
      const found = await subject.client.get<Claim>(kubeResources.PersistentVolumeClaim, 'web-volume-data');
      expect(found?.status.phase).toBe('Bound');
      return found!;
    });
    expect(claim.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'skiff', 'skiff.dev/environment': 'dev', 'skiff.dev/volume': 'data' });
    expect(claim.metadata.managedFields?.some((entry) => entry.manager === 'skiff' && entry.operation === 'Apply')).toBe(true);
    const deployment = await subject.client.get<IDeployment & KubeObject>(kubeResources.Deployment, 'web-v1');
    expect(deployment?.spec?.template.spec?.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'web-volume-data' } }]);
    expect(deployment?.spec?.template.spec?.containers[0]?.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/web' }]);
    expect(await subject.volumes.exists({ service: 'web', name: 'data' })).toBe(true);

    // v2 leaves the volume out of the spec: v1 is pruned, the claim (and its data) stays.
    subject.follow(environment(v2));
    await subject.place(v2);
    await waitFor(() => expect(states(subject)).toEqual(['v1:ready', 'v2:ready']));
    subject.stopInstance(subject.observed()[0]!.id, 'scaled-down');
    await waitFor(async () => expect((await subject.client.list(kubeResources.Deployment)).items.map((object) => object.metadata.name)).toEqual(['web-v2']));
    await subject.shutdown();
    expect(await subject.client.get(kubeResources.PersistentVolumeClaim, 'web-volume-data')).toBeDefined();

    expect(await subject.volumes.remove({ service: 'web', name: 'data' })).toBe(true);
    await waitFor(async () => expect(await subject.client.get(kubeResources.PersistentVolumeClaim, 'web-volume-data')).toBeUndefined());
    expect(await subject.volumes.remove({ service: 'web', name: 'data' })).toBe(false);
  });
});
