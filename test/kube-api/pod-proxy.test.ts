/**
 * pods/proxy in docker mode, driven by the real kubectl (`get --raw`, `create --raw`) and over plain
 * HTTPS: the pod's answer passes through with its method, path, query, body and status; a port
 * nothing listens on is 503 with a Status; RBAC's `pods/proxy` denial is the real server's 403.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../../src/drivers/docker/base-image.js';
import { connectEngine } from '../../src/drivers/docker/engine.js';
import { waitFor } from '../e2e/platform.js';
import { typeOfKind } from './resources.js';
import { startFakeKubeApi, type FakeKubeApi } from './start-fake-kube-api.js';
import { request } from './testing/kube-client.js';
import { kubectlRunner } from './testing/kubectl.js';

// Answers every request with what it received; /status/N answers with status N.
const ECHO = `
require('http').createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const code = /^\\/status\\/(\\d+)/.exec(req.url);
    res.writeHead(code ? Number(code[1]) : 200, { 'content-type': 'application/json', 'x-echo': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, body, contentType: req.headers['content-type'] ?? null }));
  });
}).listen(8081, '0.0.0.0');
`;

describe('fake Kubernetes API: pods/proxy', () => {
  let api: FakeKubeApi;
  let kubectl: ReturnType<typeof kubectlRunner>;

  beforeAll(async () => {
    const image = (await ensureBaseImage(connectEngine({}))).tag;
    api = await startFakeKubeApi({ docker: true, backoffMs: 500 });
    kubectl = kubectlRunner(api);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'echo' },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image, command: ['node', '-e', ECHO], ports: [{ containerPort: 8081 }], readinessProbe: { httpGet: { path: '/ready', port: 8081 }, periodSeconds: 1 } }],
      },
    };
    expect((await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod))).stderr).toBe('');
    expect((await kubectl.run(['wait', '--for=condition=Ready', 'pod/echo', '--timeout=60s'])).stdout).toContain('condition met');
  }, 180_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('passes method, path, query and body to the pod and its answer back (kubectl get/create --raw)', async () => {
    const got = await kubectl.run(['get', '--raw', '/api/v1/namespaces/default/pods/echo:8081/proxy/metrics?name=a&x=1']);
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout)).toMatchObject({ method: 'GET', url: '/metrics?name=a&x=1', body: '' });

    // Without a port: the pod's first container port, as the real server picks.
    expect(JSON.parse((await kubectl.run(['get', '--raw', '/api/v1/namespaces/default/pods/echo/proxy/'])).stdout)).toMatchObject({ url: '/' });

    const dir = mkdtempSync(path.join(tmpdir(), 'skiff-proxy-body-'));
    writeFileSync(path.join(dir, 'drain.json'), '{"backends":[{"host":"10.0.0.1","port":8080}],"timeoutMs":100}');
    const posted = await kubectl.run(['create', '--raw', '/api/v1/namespaces/default/pods/echo:8081/proxy/drain', '-f', path.join(dir, 'drain.json')]);
    expect(posted.stderr).toBe('');
    expect(JSON.parse(posted.stdout)).toMatchObject({ method: 'POST', url: '/drain', body: '{"backends":[{"host":"10.0.0.1","port":8080}],"timeoutMs":100}' });
  }, 60_000);

  it("passes the pod's status through, and answers 503 with a Status when nothing listens on the port", async () => {
    const teapot = await request(api, 'PUT', '/api/v1/namespaces/default/pods/echo:8081/proxy/status/418?q=a%20b', 'brew', 'text/plain');
    expect(teapot).toEqual({ status: 418, body: { method: 'PUT', url: '/status/418?q=a%20b', body: 'brew', contentType: 'text/plain' } });

    const closed = await request(api, 'GET', '/api/v1/namespaces/default/pods/echo:9/proxy/metrics');
    expect(closed.status).toBe(503);
    expect(closed.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503, message: expect.stringMatching(/^error trying to reach service: dial tcp 127\.\d+\.\d+\.\d+:9: connect: connection refused$/) });
    const viaKubectl = await kubectl.run(['get', '--raw', '/api/v1/namespaces/default/pods/echo:9/proxy/metrics']);
    expect(viaKubectl.code).not.toBe(0);
    expect(viaKubectl.stderr).toContain('ServiceUnavailable');

    expect((await request(api, 'GET', '/api/v1/namespaces/default/pods/missing:8081/proxy/')).body).toMatchObject({ reason: 'NotFound', message: 'pods "missing" not found' });
  }, 60_000);

  it('is authorized as pods/proxy with the verb of the method', async () => {
    api.setForbidden([{ verb: 'create', resource: 'pods/proxy' }]);
    try {
      expect((await request(api, 'GET', '/api/v1/namespaces/default/pods/echo:8081/proxy/metrics')).status).toBe(200);
      const denied = await kubectl.run(['create', '--raw', '/api/v1/namespaces/default/pods/echo:8081/proxy/drain', '-f', '-'], '{}');
      expect(denied.stderr).toContain('User "skiff-test" cannot create resource "pods/proxy" in API group "" in the namespace "default"');
    } finally {
      api.setForbidden([]);
    }
  }, 60_000);

  it('answers 400 "address not allowed" for a pod without an IP, as the real server', async () => {
    const simulated = await startFakeKubeApi();
    try {
      await request(simulated, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [{ name: 'main', image: 'web:1' }] } });
      const pods = typeOfKind('Pod');
      await waitFor('the pod to get its IP', () => (simulated.store.get(pods, 'default', 'pending')?.status as { podIP?: string } | undefined)?.podIP);
      // As before the kubelet reports an IP (the simulated kubelet reports one at once).
      simulated.store.update(pods, { ...simulated.store.mustGet(pods, 'default', 'pending'), status: { phase: 'Pending' } });
      const answer = await request(simulated, 'GET', '/api/v1/namespaces/default/pods/pending:8080/proxy/');
      expect(answer).toEqual({ status: 400, body: expect.objectContaining({ kind: 'Status', reason: 'BadRequest', message: 'address not allowed', code: 400 }) });
    } finally {
      await simulated.stop();
    }
  });
});
