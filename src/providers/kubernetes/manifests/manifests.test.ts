import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubernetesNamespace } from '../../../spec/schema-kubernetes.js';
import type { KubernetesSpec } from '../../../spec/schema.js';
import { exportableJobs } from '../export-jobs.js';
import { exportWorkloads } from '../export-workloads.js';
import { manifestFiles, manifestStream } from '../manifest-files.js';
import { shopReleases, shopSpec, shopWeights } from '../testing/shop.js';
import { environmentManifests } from './environment-manifests.js';
import type { KubernetesObject } from './environment-manifests.js';

const goldenFile = path.resolve(import.meta.dirname, '../../../../test/golden/kubernetes/shop-cluster.yaml');

function shopManifests(settings?: KubernetesSpec): KubernetesObject[] {
  const spec = shopSpec();
  const environment = spec.environments.cluster!;
  return environmentManifests({
    environment: 'cluster',
    namespace: kubernetesNamespace('cluster', environment.kubernetes),
    settings: settings ?? environment.kubernetes!,
    releases: exportWorkloads({ spec, environment: 'cluster', registry: environment.registry!, releases: shopReleases }),
    weights: shopWeights,
    routerImage: '127.0.0.1:5000/skiff/skiff-router:0.1.0',
    jobs: exportableJobs(spec, 'cluster', new Set(shopReleases.map((release) => release.service))).jobs,
  });
}

/** The official schemas: kubernetes-models' validators of Kubernetes 1.32's OpenAPI, and the Gateway API v1 HTTPRoute CRD's. */
const models = {
  Namespace,
  ServiceAccount,
  Role,
  RoleBinding,
  ConfigMap,
  Secret,
  PersistentVolumeClaim,
  Deployment,
  Service,
  PodDisruptionBudget,
  HTTPRoute,
  CronJob,
} as const;

function validate(object: KubernetesObject): void {
  const Model = models[object.kind] as new (data: unknown) => { validate(): void };
  new Model(object).validate();
}

const byKind = <K extends KubernetesObject['kind']>(objects: readonly KubernetesObject[], kind: K) =>
  objects.filter((object): object is Extract<KubernetesObject, { kind: K }> => object.kind === kind);

describe('the manifests of a kubernetes environment', () => {
  const objects = shopManifests();

  it('are valid against the official schemas, every one', () => {
    expect(objects.length).toBeGreaterThan(15);
    for (const object of objects) expect(() => validate(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
  });

  it('the schema check catches a broken object (the check is real)', () => {
    const deployment = byKind(objects, 'Deployment')[1]!;
    const broken = structuredClone(deployment) as unknown as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'http';
    expect(() => validate(broken as unknown as KubernetesObject)).toThrow(/containerPort/);
  });

  it('come in apply order: namespace, rbac, configmaps, secrets, deployments, services, pdb, httproutes', () => {
    const kinds = objects.map((object) => object.kind).filter((kind, index, all) => all[index - 1] !== kind);
    expect(kinds).toEqual(['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'Deployment', 'Service', 'PodDisruptionBudget', 'HTTPRoute', 'CronJob']);
    expect(new Set(objects.map((object) => object.metadata?.namespace ?? object.metadata?.name))).toEqual(new Set(['skiff-cluster']));
  });

  it('run each release as a Deployment by image digest, with its replicas, labels, probes, limits and stop', () => {
    const catalog = byKind(objects, 'Deployment').find((object) => object.metadata?.name === 'catalog-v7')!;
    expect(catalog.metadata?.labels).toEqual({
      'app.kubernetes.io/name': 'catalog',
      'app.kubernetes.io/managed-by': 'skiff',
      'skiff.dev/environment': 'cluster',
      'skiff.dev/release': 'v7',
    });
    expect(catalog.spec?.replicas).toBe(3);
    const pod = catalog.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(container.image).toBe(`127.0.0.1:5000/skiff/catalog@sha256:${'c7'.repeat(32)}`);
    expect(container.command).toEqual(['node', 'server.mjs']);
    // readiness: interval 1s, timeout 500ms, failureThreshold 2, startGrace 10s.
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 1, successThreshold: 1, failureThreshold: 2 });
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, timeoutSeconds: 2, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 });
    expect(container.startupProbe).toMatchObject({ periodSeconds: 1, failureThreshold: 10 });
    expect(container.resources).toEqual({ limits: { cpu: '1', memory: '192Mi' }, requests: { cpu: '1', memory: '192Mi' } });
    // stopGrace 5s after a 5 s drain.
    expect(pod.terminationGracePeriodSeconds).toBe(10);
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(container.env?.[0]).toEqual({ name: 'PORT', value: '8080' });
  });

  it("write the nightly report as a CronJob running orders' release with its config, secrets and volume; a seconds schedule is left out with a warning", () => {
    const [cronJob, ...others] = byKind(objects, 'CronJob');
    expect(others).toEqual([]);
    expect(cronJob?.metadata?.name).toBe('nightly-report');
    expect(cronJob?.spec).toMatchObject({
      schedule: '0 3 * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 600, completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' } },
    });
    const pod = cronJob!.spec!.jobTemplate.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    const container = pod.containers[0]!;
    expect(container.image).toBe(byKind(objects, 'Deployment').find((deployment) => deployment.metadata?.name === 'orders-v2')?.spec?.template.spec?.containers[0]?.image);
    expect(container.command).toEqual(['node', 'report.mjs', '--yesterday']);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'SKIFF_JOB', value: 'nightly-report' }, { name: 'SKIFF_RELEASE', value: 'v2' }, { name: 'SKIFF_VOLUME_DATA', value: expect.any(String) }]));
    expect(container.envFrom).toEqual([{ configMapRef: { name: expect.stringMatching(/^orders-env-/) } }, { secretRef: { name: 'orders-v2-secrets' } }]);
    expect(pod.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'orders-volume-data' } }]);
    expect(exportableJobs(shopSpec(), 'cluster', new Set(['orders', 'catalog'])).warnings).toEqual([
      'job heartbeat left out: its schedule "*/10 * * * * *" counts seconds, which a CronJob cannot (five fields, minute first)',
    ]);
  });

  it("keep orders' volume in one PersistentVolumeClaim of the environment, mounted at its path with SKIFF_VOLUME_DATA", () => {
    const claims = byKind(objects, 'PersistentVolumeClaim');
    expect(claims.map((claim) => claim.metadata?.name)).toEqual(['orders-volume-data']);
    expect(claims[0]).toMatchObject({ metadata: { namespace: 'skiff-cluster', labels: { 'skiff.dev/volume': 'data' } }, spec: { accessModes: ['ReadWriteOnce'] } });
    const pod = byKind(objects, 'Deployment').find((object) => object.metadata?.name === 'orders-v2')!.spec!.template.spec!;
    expect(pod.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'orders-volume-data' } }]);
    expect(pod.containers[0]!.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/orders' }]);
    expect(pod.containers[0]!.env).toContainEqual({ name: 'SKIFF_VOLUME_DATA', value: '/var/lib/orders' });
    // A service without volumes mounts nothing.
    expect(byKind(objects, 'Deployment').find((object) => object.metadata?.name === 'catalog-v7')!.spec!.template.spec!.volumes).toBeUndefined();
  });

  it('give env through an immutable ConfigMap named by its content, and secrets through a Secret per release', () => {
    const orders = byKind(objects, 'Deployment').find((object) => object.metadata?.name === 'orders-v2')!;
    const envFrom = orders.spec!.template.spec!.containers[0]!.envFrom!;
    const configMap = byKind(objects, 'ConfigMap').find((object) => object.metadata?.name === envFrom[0]?.configMapRef?.name)!;
    expect(configMap).toMatchObject({ immutable: true, data: { LOG_LEVEL: 'warn' } });
    expect(configMap.metadata?.name).toMatch(/^orders-env-[0-9a-f]{10}$/);
    expect(envFrom[1]).toEqual({ secretRef: { name: 'orders-v2-secrets' } });
    const secret = byKind(objects, 'Secret').find((object) => object.metadata?.name === 'orders-v2-secrets')!;
    expect(Buffer.from(secret.data?.PAYMENT_TOKEN ?? '', 'base64').toString()).toBe('<set with skiff secret set>');
    // Two releases of web with the same variables share one ConfigMap.
    expect(byKind(objects, 'ConfigMap').filter((object) => object.metadata?.name?.startsWith('web-env-'))).toHaveLength(1);
  });

  it('run Skiff router with two replicas, a disruption budget, a Service of the environment type and the routing table', () => {
    const router = byKind(objects, 'Deployment').find((object) => object.metadata?.name === 'skiff-router')!;
    expect(router.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(byKind(objects, 'PodDisruptionBudget')[0]?.spec).toMatchObject({ minAvailable: 1 });
    expect(byKind(objects, 'Service').find((object) => object.metadata?.name === 'skiff-router')?.spec?.type).toBe('NodePort');
    const table = JSON.parse(byKind(objects, 'ConfigMap').find((object) => object.metadata?.name === 'skiff-router-routes')!.data!['table.json']!);
    const web = table.routes.find((route: { service: string }) => route.service === 'web');
    expect(web.weights).toEqual({ v3: 90, v4: 10 });
    expect(web.backends).toEqual([
      { id: 'web-v3', release: 'v3', host: 'web-v3.skiff-cluster.svc.cluster.local', port: 8080 },
      { id: 'web-v4', release: 'v4', host: 'web-v4.skiff-cluster.svc.cluster.local', port: 8080 },
    ]);
    // In the cluster it follows that ConfigMap and the EndpointSlices with its own account, which may only read those.
    const container = router.spec?.template.spec?.containers[0];
    expect(container?.args).toEqual(expect.arrayContaining(['--kube-namespace', '$(POD_NAMESPACE)', '--admin-listen', '$(POD_IP):8081']));
    expect(router.spec?.template.spec?.serviceAccountName).toBe('skiff-router');
    const role = byKind(objects, 'Role').find((object) => object.metadata?.name === 'skiff-router')!;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(byKind(objects, 'RoleBinding').find((object) => object.metadata?.name === 'skiff-router')?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'skiff-router', namespace: 'skiff-cluster' }]);
  });

  it('split a route between releases by weight in an HTTPRoute when the environment asks for one', () => {
    const web = byKind(objects, 'HTTPRoute').find((object) => object.metadata?.name === 'web-route-0')!;
    expect(web.spec?.rules?.[0]?.backendRefs?.map((ref) => [ref.name, ref.weight])).toEqual([
      ['web-v3', 90],
      ['web-v4', 10],
    ]);
    const catalog = byKind(objects, 'HTTPRoute').find((object) => object.metadata?.name === 'catalog-route-0')!;
    expect(catalog.spec?.rules?.[0]?.filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }]);
  });

  it('grant the control plane exactly what it uses, with HTTPRoutes only when written', () => {
    const role = byKind(objects, 'Role')[0]!;
    const grants = (role.rules ?? []).flatMap((rule) => (rule.resources ?? []).map((resource) => `${resource}: ${rule.verbs.join(',')}`));
    expect(grants).toEqual([
      'deployments: get,list,watch,create,patch,delete',
      'replicasets: get,list,watch',
      'pods: get,list,watch,patch',
      'pods/log: get',
      'pods/proxy: get,create',
      'configmaps: get,list,watch,create,patch,delete',
      'services: get,list,watch,create,patch,delete',
      'secrets: get,list,create,patch,delete',
      'persistentvolumeclaims: get,create,patch,delete',
      'jobs: get,list,create,delete',
      'endpointslices: get,list,watch',
      'events: get,list,watch',
      'poddisruptionbudgets: get,list,watch,create,patch,delete',
      'pods: get,list',
      'httproutes: get,list,watch,create,patch,delete',
    ]);
  });

  it('without a gateway: no HTTPRoute and no right to them; a LoadBalancer Service, all valid', () => {
    const plain = shopManifests({ serviceType: 'LoadBalancer' });
    for (const object of plain) expect(() => validate(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
    expect(byKind(plain, 'HTTPRoute')).toEqual([]);
    expect(JSON.stringify(byKind(plain, 'Role'))).not.toContain('httproutes');
    expect(JSON.stringify(byKind(shopManifests({ serviceType: 'LoadBalancer', routerAccess: 'direct' }), 'Role'))).not.toContain('pods/proxy');
    expect(byKind(plain, 'Service').find((object) => object.metadata?.name === 'skiff-router')?.spec).toMatchObject({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: true });
  });

  it('with a registry that asks for credentials: an image pull Secret skiff-registry every pod names, valid', () => {
    const spec = shopSpec();
    const environment = spec.environments.cluster!;
    const withLogin = environmentManifests({
      environment: 'cluster',
      namespace: 'skiff-cluster',
      settings: environment.kubernetes!,
      releases: exportWorkloads({ spec, environment: 'cluster', registry: environment.registry!, releases: shopReleases }),
      routerImage: '127.0.0.1:5000/skiff/skiff-router:0.1.0',
      registryLogin: { host: '127.0.0.1:5000', username: 'deployer', password: '<SKIFF_REGISTRY_PASSWORD: set in the cluster>' },
    });
    for (const object of withLogin) expect(() => validate(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
    const pullSecret = byKind(withLogin, 'Secret').find((secret) => secret.metadata?.name === 'skiff-registry');
    expect(pullSecret).toMatchObject({ type: 'kubernetes.io/dockerconfigjson', metadata: { labels: { 'app.kubernetes.io/managed-by': 'skiff', 'skiff.dev/environment': 'cluster' } } });
    expect(JSON.parse(Buffer.from(pullSecret?.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8'))).toEqual({
      auths: { '127.0.0.1:5000': { username: 'deployer', password: '<SKIFF_REGISTRY_PASSWORD: set in the cluster>', auth: Buffer.from('deployer:<SKIFF_REGISTRY_PASSWORD: set in the cluster>').toString('base64') } },
    });
    const deployments = byKind(withLogin, 'Deployment');
    expect(deployments.length).toBeGreaterThan(2);
    for (const deployment of deployments) expect(deployment.spec?.template.spec?.imagePullSecrets, deployment.metadata?.name).toEqual([{ name: 'skiff-registry' }]);
    // Without credentials, no pull Secret and no pod names one.
    expect(objects.some((object) => object.metadata?.name === 'skiff-registry')).toBe(false);
    for (const deployment of byKind(objects, 'Deployment')) expect(deployment.spec?.template.spec?.imagePullSecrets).toBeUndefined();
  });

  it('write YAML that Kubernetes (YAML 1.1) reads back as the same strings', () => {
    const text = manifestStream(objects);
    expect(text).toContain('FEATURE_X: "on"');
    expect(text).not.toMatch(/^\s*[^#\n]*[&*]a\d+\b/m);
    const documents = parseAllDocuments(text, { version: '1.1' });
    expect(documents.map((document) => document.toJSON())).toEqual(JSON.parse(JSON.stringify(objects)));
  });

  it('name one file per object in apply order', () => {
    const names = manifestFiles(objects).map((file) => file.name);
    expect(names[0]).toBe('01-namespace-skiff-cluster.yaml');
    expect(names).toContain('08-configmap-skiff-router-routes.yaml');
    expect(names.at(-2)).toMatch(/^\d\d-httproute-web-route-0\.yaml$/);
    expect(names.at(-1)).toMatch(/^\d\d-cronjob-nightly-report\.yaml$/);
  });

  it('match the golden file (SKIFF_UPDATE_GOLDEN=1 rewrites it)', () => {
    const text = manifestStream(objects);
    if (process.env.SKIFF_UPDATE_GOLDEN === '1') {
      mkdirSync(path.dirname(goldenFile), { recursive: true });
      writeFileSync(goldenFile, text);
    }
    expect(text).toBe(readFileSync(goldenFile, 'utf8'));
  });
});
