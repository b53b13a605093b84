/**
 * `skiff logs -f` on Kubernetes: following a pod's log streams each line as the container writes
 * it, and stopping the follow ends the stream. The fake runs the pod as a real container (docker
 * mode); skipped, loudly, only when no Docker engine is reachable outside CI.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { waitFor } from '../../../../test/e2e/platform.js';
import { ensureBaseImage } from '../../../drivers/docker/base-image.js';
import { engineForTests } from '../../../drivers/docker/testing/test-image.js';
import type { KubeClient } from './kube-client.js';
import type { KubeObject } from './kube-objects.js';
import { kubeResources } from './resources.js';
import { clientOfFake } from './testing/kubeconfig-files.js';

const engine = await engineForTests();
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n!!! SKIPPING the Kubernetes pod log follow test: no Docker engine is reachable (${engine.reason}).\n`);
}

const SERVER = `
console.log('hello from ' + process.env.POD_NAME);
require('http').createServer((req, res) => { console.log('served ' + req.url); res.end('ok'); }).listen(8080, '0.0.0.0');
`;

type Pod = KubeObject & { readonly status?: { readonly podIP?: string; readonly conditions?: readonly { type: string; status: string }[] } };

describe.skipIf(!engine.reachable)('pod logs', () => {
  let api: FakeKubeApi;
  let client: KubeClient;
  let image: string;

  beforeAll(async () => {
    if (!engine.reachable) return;
    image = (await ensureBaseImage(engine.docker)).tag;
    api = await startFakeKubeApi({ docker: true, backoffMs: 500 });
    client = clientOfFake(api);
  }, 180_000);
  afterAll(async () => {
    client?.close();
    await api?.stop();
  });

  it('follow streams each line as the container writes it; aborting ends the stream', async () => {
    await client.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'talker' },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image, command: ['node', '-e', SERVER], ports: [{ containerPort: 8080 }], env: [{ name: 'POD_NAME', value: 'talker' }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
      },
    });
    const pod = await waitFor('the pod to run with an address', async () => {
      const read = await client.get<Pod>(kubeResources.Pod, 'talker');
      return read?.status?.podIP && read.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? read : undefined;
    }, 60_000);

    const stop = new AbortController();
    const lines: string[] = [];
    const following = (async () => {
      for await (const line of client.podLogs('talker', { follow: true, signal: stop.signal })) lines.push(line);
    })();
    await waitFor('the first line', () => lines.includes('hello from talker'));
    await waitFor('the pod to answer', () => get(`http://${pod.status?.podIP}:8080/while-following`));
    await waitFor('the line the request wrote, on the open stream', () => lines.includes('served /while-following'));

    let ended = false;
    void following.then(() => (ended = true));
    stop.abort();
    await waitFor('the followed stream to end once aborted', () => ended, 5_000);

    const tail: string[] = [];
    for await (const line of client.podLogs('talker', { tailLines: 1 })) tail.push(line);
    expect(tail).toEqual(['served /while-following']);
    await client.delete(kubeResources.Pod, 'talker');
  }, 120_000);
});

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}
