/**
 * Docker mode: each pod is a real container. kubectl sees its logs (followed, with times, since a
 * time), the Deployment's pods answer on the addresses the EndpointSlice lists, and a crashing container or a missing image
 * reports what the real kubelet would (CrashLoopBackOff with restarts, ImagePullBackOff).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../../src/drivers/docker/base-image.js';
import { connectEngine } from '../../src/drivers/docker/engine.js';
import { waitFor } from '../e2e/platform.js';
import { startFakeKubeApi, type FakeKubeApi } from './start-fake-kube-api.js';
import { kubectlRunner } from './testing/kubectl.js';
import { pushImage } from '../../src/providers/kubernetes/images/image-push.js';
import { removeImagesOf, startLocalRegistry } from '../../src/providers/kubernetes/images/testing/local-registry.js';
import { registryPullSecret } from '../../src/providers/kubernetes/manifests/registry-secret.js';

const SERVER = `
const http = require('http');
console.log('hello from ' + process.env.POD_NAME + ' greeting=' + process.env.GREETING);
http.createServer((req, res) => { console.log('served ' + req.url); res.end(process.env.POD_NAME); }).listen(8080, '0.0.0.0');
`;

const manifest = (image: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {GREETING: ahoy}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: ${image}
        command: [node, -e, ${JSON.stringify(SERVER)}]
        ports: [{containerPort: 8080}]
        env:
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        envFrom: [{configMapRef: {name: web-config}}]
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('fake Kubernetes API in docker mode', () => {
  let api: FakeKubeApi;
  let kubectl: ReturnType<typeof kubectlRunner>;
  let image: string;

  beforeAll(async () => {
    image = (await ensureBaseImage(connectEngine({}))).tag;
    api = await startFakeKubeApi({ docker: true, backoffMs: 500 });
    kubectl = kubectlRunner(api);
  }, 180_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('runs the pods as containers: rollout status, logs -f, and traffic to the EndpointSlice addresses', async () => {
    const applied = await kubectl.run(['apply', '--server-side', '-f', '-'], manifest(image));
    expect(applied.stderr).toBe('');
    const rollout = await kubectl.run(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');

    const slice = JSON.parse((await kubectl.run(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json'])).stdout).items[0];
    expect(slice.endpoints).toHaveLength(2);
    const pods = new Set<string>();
    for (const endpoint of slice.endpoints) {
      expect(endpoint.addresses[0]).toMatch(/^127\.\d+\.\d+\.\d+$/);
      pods.add(await get(`http://${endpoint.addresses[0]}:${slice.ports[0].port}/`));
    }
    expect(pods).toEqual(new Set(slice.endpoints.map((e: any) => e.targetRef.name)));

    const pod = slice.endpoints[0].targetRef.name as string;
    const follower = kubectl.spawn(['logs', '-f', pod]);
    let output = '';
    follower.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await waitFor('the first log line', () => output.includes(`hello from ${pod} greeting=ahoy`));
      await get(`http://${slice.endpoints[0].addresses[0]}:8080/followed`);
      await waitFor('the line the request wrote, while following', () => output.includes('served /followed'));
    } finally {
      follower.kill();
    }

    // With times as the kubelet writes them, and from a time on (whole seconds, as the real server keeps sinceTime).
    const stamped = (await kubectl.run(['logs', '--timestamps', pod])).stdout.trim().split('\n');
    expect(stamped.find((line) => line.endsWith(' served /followed'))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z served \/followed$/);
    expect(stamped.every((line) => /^\S+Z /.test(line))).toBe(true);
    const nextSecond = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await waitFor('the next second', () => Date.now() >= nextSecond);
    await get(`http://${slice.endpoints[0].addresses[0]}:8080/later`);
    const since = new Date(nextSecond).toISOString().replace('.000Z', 'Z');
    const later = await waitFor('the later line since its second', async () => {
      const { stdout } = await kubectl.run(['logs', `--since-time=${since}`, pod]);
      return stdout.includes('served /later') ? stdout : null;
    });
    expect(later).not.toContain('served /followed');
    expect(later).not.toContain('hello from');
  }, 120_000);

  it('a crashing container shows CrashLoopBackOff with restarts; a missing image shows ImagePullBackOff', async () => {
    const pod = (name: string, podImage: string, command: string[]) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: podImage, command }] },
    });
    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod('crasher', image, ['node', '-e', 'console.log("boom"); process.exit(3)'])));
    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod('unpullable', '127.0.0.1:1/skiff/missing:1', ['true'])));
    const status = async (name: string): Promise<any> => JSON.parse((await kubectl.run(['get', 'pod', name, '-o', 'json'])).stdout).status.containerStatuses?.[0];
    const crashed = await waitFor('a restart and CrashLoopBackOff', async () => {
      const s = await status('crasher');
      return s?.restartCount >= 2 && s.state.waiting?.reason === 'CrashLoopBackOff' ? s : undefined;
    }, 60_000);
    expect(crashed.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect((await kubectl.run(['logs', 'crasher', '--previous'])).stdout).toBe('boom\n');
    const table = (await kubectl.run(['get', 'pod', 'crasher'])).stdout;
    expect(table).toMatch(/crasher\s+0\/1\s+CrashLoopBackOff\s+\d+/);

    const unpulled = await waitFor('ImagePullBackOff', async () => {
      const s = await status('unpullable');
      return s?.state.waiting?.reason === 'ImagePullBackOff' ? s : undefined;
    }, 60_000);
    expect(unpulled.state.waiting.message).toContain('127.0.0.1:1/skiff/missing:1');
    const events = (await kubectl.run(['get', 'events', '--field-selector', 'involvedObject.name=unpullable'])).stdout;
    expect(events).toMatch(/Warning\s+Failed\s+pod\/unpullable\s+Failed to pull image "127\.0\.0\.1:1\/skiff\/missing:1"/);
    await kubectl.run(['delete', 'pod', 'crasher', 'unpullable']);
  }, 120_000);

  it('a PersistentVolumeClaim is Bound and mounted as a Docker volume: what one pod wrote the next reads; deleting the claim removes the volume', async () => {
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'notes' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const pod = (name: string, script: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'notes' } }],
        containers: [{ name: 'main', image, command: ['node', '-e', script], volumeMounts: [{ name: 'data', mountPath: '/var/lib/notes' }] }],
      },
    });
    const phase = async (name: string): Promise<string | undefined> => JSON.parse((await kubectl.run(['get', 'pod', name, '-o', 'json'])).stdout || '{}').status?.phase;
    // A pod whose claim does not exist yet is not scheduled.
    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod('writer', "require('fs').writeFileSync('/var/lib/notes/note', 'kept')")));
    await waitFor('FailedScheduling for the missing claim', async () => (await kubectl.run(['get', 'events', '--field-selector', 'involvedObject.name=writer'])).stdout.includes('persistentvolumeclaim "notes" not found'));
    expect(await phase('writer')).toBe('Pending');

    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(claim));
    await waitFor('the writer to succeed', async () => (await phase('writer')) === 'Succeeded', 60_000);
    expect((await kubectl.run(['get', 'pvc', 'notes'])).stdout).toMatch(/notes\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO/);
    const uid = JSON.parse((await kubectl.run(['get', 'pvc', 'notes', '-o', 'json'])).stdout).metadata.uid as string;
    const volume = `skiff-kube-fake-pvc-${uid}`;
    expect((await connectEngine({}).getVolume(volume).inspect()).Name).toBe(volume);

    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod('reader', "console.log(require('fs').readFileSync('/var/lib/notes/note', 'utf8'))")));
    await waitFor('the reader to succeed', async () => (await phase('reader')) === 'Succeeded', 60_000);
    expect((await kubectl.run(['logs', 'reader'])).stdout).toBe('kept\n');

    // pvc-protection: the claim stays Terminating while a pod uses it, then goes with its volume.
    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod('holder', 'setInterval(() => {}, 1000)')));
    await waitFor('the holder to run', async () => (await phase('holder')) === 'Running', 60_000);
    await kubectl.run(['delete', 'pvc', 'notes', '--wait=false']);
    expect((await kubectl.run(['get', 'pvc', 'notes'])).stdout).toMatch(/notes\s+Terminating/);
    await kubectl.run(['delete', 'pod', 'holder', 'writer', 'reader']);
    await waitFor('the claim to go', async () => (await kubectl.run(['get', 'pvc', 'notes'])).stderr.includes('NotFound'), 60_000);
    await waitFor('its Docker volume to go', () => connectEngine({}).getVolume(volume).inspect().then(() => false, () => true), 60_000);
  }, 120_000);

  it('a Job runs its pod to completion: kubectl get jobs shows Complete or Failed (BackoffLimitExceeded), and its logs', async () => {
    const job = (name: string, script: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, command: ['node', '-e', script] }] } } },
    });
    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(job('tally', "console.log('tallied 3 orders')")));
    await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(job('mailer', "console.error('cannot reach the mail server'); process.exit(3)")));
    const waited = await kubectl.run(['wait', '--for=condition=complete', 'job/tally', '--timeout=60s']);
    expect(waited.stdout).toContain('job.batch/tally condition met');
    await kubectl.run(['wait', '--for=condition=failed', 'job/mailer', '--timeout=60s']);
    const table = (await kubectl.run(['get', 'jobs'])).stdout;
    expect(table).toMatch(/tally\s+Complete\s+1\/1\s+\d+s/);
    expect(table).toMatch(/mailer\s+Failed\s+0\/1\s+\d+s/);
    const failed = JSON.parse((await kubectl.run(['get', 'job', 'mailer', '-o', 'json'])).stdout).status;
    expect(failed).toMatchObject({ failed: 1, active: 0, conditions: expect.arrayContaining([expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' })]) });
    expect((await kubectl.run(['logs', 'job/tally'])).stdout).toBe('tallied 3 orders\n');
    expect((await kubectl.run(['logs', 'job/mailer'])).stdout).toBe('cannot reach the mail server\n');
    const pod = JSON.parse((await kubectl.run(['get', 'pods', '-l', 'job-name=mailer', '-o', 'json'])).stdout).items[0];
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    await kubectl.run(['delete', 'job', 'tally', 'mailer']);
    await waitFor('the Jobs\' pods to go', async () => (await kubectl.run(['get', 'pods', '-l', 'job-name', '-o', 'name'])).stdout.trim() === '', 60_000);
  }, 120_000);

  it("pulls from a registry that asks for credentials with the pod's pull Secret: none or a wrong one is ImagePullBackOff, the right one runs", async () => {
    const docker = connectEngine({});
    const registry = await startLocalRegistry({ requireAuth: true, users: { puller: 'right-pass-1' } });
    try {
      const repository = `${registry.host}/skiff/guarded`;
      await docker.getImage(image).tag({ repo: repository, tag: '1' });
      const digest = await pushImage(docker, repository, '1', { username: 'puller', password: 'right-pass-1', source: 'test' });
      const pinned = `${repository}@${digest}`;
      for (const [name, password] of [['right-login', 'right-pass-1'], ['wrong-login', 'wrong-pass-2']] as const) {
        const secret = { ...registryPullSecret('dev', 'default', { host: registry.host, username: 'puller', password }), metadata: { name } };
        await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(secret));
      }
      const pod = (name: string, pullSecret?: string) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { terminationGracePeriodSeconds: 0, ...(pullSecret ? { imagePullSecrets: [{ name: pullSecret }] } : {}), containers: [{ name: 'main', image: pinned, command: ['node', '-e', 'setInterval(() => {}, 1000)'] }] },
      });
      for (const [name, pullSecret] of [['no-secret', undefined], ['wrong-secret', 'wrong-login'], ['right-secret', 'right-login']] as const) {
        await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod(name, pullSecret)));
      }
      const status = async (name: string): Promise<any> => JSON.parse((await kubectl.run(['get', 'pod', name, '-o', 'json'])).stdout).status.containerStatuses?.[0];
      for (const name of ['no-secret', 'wrong-secret']) {
        const refused = await waitFor(`${name} in ImagePullBackOff`, async () => {
          const s = await status(name);
          return s?.state.waiting?.reason === 'ImagePullBackOff' ? s : undefined;
        }, 60_000);
        expect(refused.state.waiting.message).toContain(`Failed to pull image "${pinned}"`);
      }
      await waitFor('right-secret running', async () => ((await status('right-secret'))?.state.running ? true : undefined), 60_000);
      await kubectl.run(['delete', 'pod', 'no-secret', 'wrong-secret', 'right-secret']);
    } finally {
      await registry.stop();
      await removeImagesOf(docker, [registry.host]);
    }
  }, 120_000);
});
