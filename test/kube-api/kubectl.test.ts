/**
 * The fake, driven by an independent client: the real kubectl 1.32. If discovery, OpenAPI,
 * Table printing, watch or server-side apply were not what kubectl expects, these commands fail.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/platform.js';
import { startFakeKubeApi, type FakeKubeApi } from './start-fake-kube-api.js';
import { kubectlRunner } from './testing/kubectl.js';

const manifest = (image: string, replicas: number): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

describe('kubectl 1.32 against the fake API server', () => {
  let api: FakeKubeApi;
  let kubectl: ReturnType<typeof kubectlRunner>;

  beforeAll(async () => {
    api = await startFakeKubeApi();
    kubectl = kubectlRunner(api);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('get: discovery and Table printing work for built-in and Gateway API resources', async () => {
    const namespaces = await kubectl.run(['get', 'namespaces']);
    expect(namespaces.stderr).toBe('');
    expect(namespaces.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(namespaces.stdout).toMatch(/\nkube-system\s+Active\s+\d+s\n/);
    const routes = await kubectl.run(['get', 'httproutes.gateway.networking.k8s.io']);
    expect(routes).toMatchObject({ code: 0, stderr: 'No resources found in default namespace.\n' });
    const missing = await kubectl.run(['get', 'deployment', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
  });

  it('apply --server-side creates a Deployment and a Service, and rollout status finishes', async () => {
    const applied = await kubectl.run(['apply', '--server-side', '-f', '-'], manifest('registry.test/web:1', 2));
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('deployment.apps/web serverside-applied\nservice/web serverside-applied\n');
    const rollout = await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');
    const pods = await kubectl.run(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
    const lines = pods.stdout.trim().split('\n').slice(1);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+skiff-fake-node/);
    const slices = JSON.parse((await kubectl.run(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json'])).stdout);
    expect(slices.items).toHaveLength(1);
    expect(slices.items[0].ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(slices.items[0].endpoints.map((e: any) => e.conditions.ready)).toEqual([true, true]);
  });

  it('a second field manager conflicts on a field kubectl owns, and --force-conflicts takes it over', async () => {
    const conflict = await kubectl.run(['apply', '--server-side', '--field-manager=autoscaler', '-f', '-'], manifest('registry.test/web:1', 3));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas');
    expect((await kubectl.run(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('2');

    const forced = await kubectl.run(['apply', '--server-side', '--field-manager=autoscaler', '--force-conflicts', '-f', '-'], manifest('registry.test/web:1', 3));
    expect(forced.code).toBe(0);
    const deployment = JSON.parse((await kubectl.run(['get', 'deployment', 'web', '-o', 'json', '--show-managed-fields'])).stdout);
    expect(deployment.spec.replicas).toBe(3);
    const owners = Object.fromEntries(deployment.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]));
    expect(owners.autoscaler['f:spec']['f:replicas']).toEqual({});
    expect(owners.kubectl['f:spec']['f:replicas']).toBeUndefined();
    expect(owners.kubectl['f:spec']['f:template']).toBeDefined();
  });

  it('get -w prints the change a scale makes as it happens', async () => {
    const watcher = kubectl.spawn(['get', 'deployment', 'web', '-w', '--output-watch-events']);
    let output = '';
    watcher.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    try {
      await waitFor('the initial ADDED line', () => /ADDED\s+web\s/.test(output));
      const scaled = await kubectl.run(['scale', 'deployment/web', '--replicas=1']);
      expect(scaled.stdout).toBe('deployment.apps/web scaled\n');
      await waitFor('a MODIFIED line showing 1/1 ready', () => /MODIFIED\s+web\s+1\/1\s+1\s+1\s/.test(output));
    } finally {
      watcher.kill();
    }
  });

  it('a new image rolls out through a new ReplicaSet, and the old one ends at 0', async () => {
    await kubectl.run(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest('registry.test/web:2', 2));
    const rollout = await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(rollout.stdout).toContain('successfully rolled out');
    const sets = JSON.parse((await kubectl.run(['get', 'replicasets', '-l', 'app=web', '-o', 'json'])).stdout).items;
    const byImage = Object.fromEntries(sets.map((rs: any) => [rs.spec.template.spec.containers[0].image, rs]));
    expect(byImage['registry.test/web:2'].status.readyReplicas).toBe(2);
    expect(byImage['registry.test/web:1'].spec.replicas).toBe(0);
    expect(byImage['registry.test/web:2'].metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    const events = await kubectl.run(['get', 'events', '--field-selector', 'involvedObject.name=web']);
    expect(events.stdout).toMatch(/ScalingReplicaSet\s+deployment\/web\s+Scaled down replica set web-\w+ from \d to 0/);

    expect((await kubectl.run(['rollout', 'undo', 'deployment/web'])).stdout).toBe('deployment.apps/web rolled back\n');
    expect((await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=30s'])).stdout).toContain('successfully rolled out');
    const after = JSON.parse((await kubectl.run(['get', 'replicasets', '-l', 'app=web', '-o', 'json'])).stdout).items;
    expect(after.map((rs: any) => [rs.spec.template.spec.containers[0].image, rs.spec.replicas, rs.metadata.annotations['deployment.kubernetes.io/revision']]).sort()).toEqual([
      ['registry.test/web:1', 2, '3'],
      ['registry.test/web:2', 0, '2'],
    ]);
  });

  it('a crash-looping new version (simulated) stalls the rollout with the old pods still serving', async () => {
    api.setSimulatedPods((_pod, container) => (container.image.endsWith(':broken') ? { kind: 'crash-loop', exitCode: 1 } : { kind: 'ready' }));
    await kubectl.run(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest('registry.test/web:broken', 2));
    const stalled = await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=2s']);
    expect(stalled.code).toBe(1);
    expect(stalled.stdout).toContain('Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...');
    expect(stalled.stderr).toContain('timed out waiting for the condition');
    const pods = (await kubectl.run(['get', 'pods', '-l', 'app=web'])).stdout;
    expect(pods.match(/0\/1\s+CrashLoopBackOff\s+1\s/g)).toHaveLength(1);
    expect(pods.match(/1\/1\s+Running\s+0\s/g)).toHaveLength(2);
    api.setSimulatedPods(() => ({ kind: 'ready' }));
    await kubectl.run(['rollout', 'undo', 'deployment/web']);
    expect((await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=30s'])).stdout).toContain('successfully rolled out');
  });

  it('delete removes the Deployment and, by garbage collection, its ReplicaSets and pods', async () => {
    const deleted = await kubectl.run(['delete', 'deployment', 'web']);
    expect(deleted.stdout).toBe('deployment.apps "web" deleted\n');
    await waitFor('no pods left', async () => (await kubectl.run(['get', 'pods', '-o', 'name'])).stdout === '');
    expect((await kubectl.run(['get', 'replicasets', '-o', 'name'])).stdout).toBe('');
  });

  it('answers a wrong token with 401 and a denied verb with RBAC\'s 403 message', async () => {
    api.setForbidden([{ verb: 'list', resource: 'pods', namespace: 'default' }]);
    const denied = await kubectl.run(['get', 'pods']);
    expect(denied.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "skiff-test" cannot list resource "pods" in API group "" in the namespace "default"');
    api.setForbidden([]);
    const token = api.token;
    api.setToken('expired');
    const unauthorized = await kubectl.run(['get', 'pods']);
    expect(unauthorized.stderr).toContain('error: You must be logged in to the server');
    api.setToken(token);
  });

  it("apply --server-side takes skiff export's whole shop (claims and CronJobs too), and get prints the claims Bound and the CronJob's schedule", async () => {
    const exported = readFileSync(new URL('../golden/kubernetes/shop-cluster.yaml', import.meta.url), 'utf8');
    const applied = await kubectl.run(['apply', '--server-side', '--field-manager', 'skiff', '-f', '-'], exported);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('cronjob.batch/nightly-report serverside-applied');
    const claims = await waitFor('the claims to be Bound', async () => {
      const { stdout } = await kubectl.run(['get', 'pvc', '-n', 'skiff-cluster']);
      return /orders-volume-data\s+Bound\s+pvc-\S+\s+1Gi\s+RWO/.test(stdout) ? stdout : null;
    });
    expect(claims).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES/);
    const cronJob = JSON.parse((await kubectl.run(['get', 'cronjob', 'nightly-report', '-n', 'skiff-cluster', '-o', 'json'])).stdout);
    expect(cronJob.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });
    // Applying the same files again changes nothing: every defaulted field was already written.
    const again = await kubectl.run(['apply', '--server-side', '--field-manager', 'skiff', '-f', '-'], exported);
    expect(again.stdout).toContain('cronjob.batch/nightly-report serverside-applied');
    expect(JSON.parse((await kubectl.run(['get', 'cronjob', 'nightly-report', '-n', 'skiff-cluster', '-o', 'json'])).stdout).metadata.resourceVersion).toBe(cronJob.metadata.resourceVersion);
  });
});
