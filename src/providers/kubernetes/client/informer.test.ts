/**
 * The informer against the fake API server: it reports adds, updates and deletes; a watch the
 * server drops reconnects and continues where it was (nothing missed, no second list); a watch
 * that cannot continue (410 after compaction) lists again and reports what changed in between;
 * stop() leaves nothing running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { waitFor } from '../../../../test/e2e/platform.js';
import { Informer, type InformerEvent, type InformerOptions, type InformerProblem } from './informer.js';
import type { KubeClient } from './kube-client.js';
import type { KubeObject } from './kube-objects.js';
import { kubeResources } from './resources.js';
import { startFreezableProxy } from './testing/freezable-proxy.js';
import { clientOfFake, clientOfFakeAt } from './testing/kubeconfig-files.js';
import { startSilentServer } from './testing/silent-server.js';

type ConfigMap = KubeObject & { readonly data?: Record<string, string> };

const configMap = (name: string, value: string, labels: Record<string, string> = { watched: 'yes' }): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { value },
});

let api: FakeKubeApi;
let client: KubeClient;
let namespaceCount = 0;

beforeAll(async () => {
  api = await startFakeKubeApi({ bookmarkIntervalMs: 200 });
  client = clientOfFake(api);
});
afterAll(async () => {
  client?.close();
  await api?.stop();
});

interface Watched {
  readonly informer: Informer<ConfigMap>;
  readonly events: string[];
  readonly problems: InformerProblem[];
  readonly namespace: string;
}

/** An informer of watched=yes ConfigMaps in a namespace of its own, with what it reported as `type name=value`. */
async function watchedNamespace(through = client, options: Partial<InformerOptions> = {}): Promise<Watched> {
  const namespace = `informer-${++namespaceCount}`;
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const informer = new Informer<ConfigMap>({ client: through, type: kubeResources.ConfigMap, namespace, labelSelector: 'watched=yes', backoff: { initialMs: 20, maxMs: 200 }, ...options });
  const events: string[] = [];
  const problems: InformerProblem[] = [];
  informer.onEvent((event: InformerEvent<ConfigMap>) => events.push(`${event.type} ${event.object.metadata.name}=${event.object.data?.value ?? ''}`));
  informer.onProblem((problem) => problems.push(problem));
  return { informer, events, problems, namespace };
}

const cached = (informer: Informer<ConfigMap>): string[] => informer.list().map((c) => `${c.metadata.name}=${c.data?.value ?? ''}`).sort();

/** Cuts the informer off: its watch ends and it cannot open another until `reconnect()`. */
async function disconnect(watched: Watched): Promise<{ reconnect(): void }> {
  const before = watched.problems.length;
  api.setForbidden([{ verb: 'watch', resource: 'configmaps' }]);
  api.dropWatches();
  await waitFor('the informer to fail to watch again', () => watched.problems.slice(before).some((p) => p.error.code === 'SKIFF_KUBE_FORBIDDEN'));
  return { reconnect: () => api.setForbidden([]) };
}

describe('informer', () => {
  it('lists, then reports adds, updates and deletes of the objects it watches (and not others)', async () => {
    const watched = await watchedNamespace();
    const { informer, events, namespace } = watched;
    await client.apply(configMap('before', '1'), { namespace });
    informer.start();
    await informer.synced();
    expect(events).toEqual(['added before=1']);

    await client.apply(configMap('later', '1'), { namespace });
    await client.apply(configMap('unwatched', '1', { watched: 'no' }), { namespace });
    await client.apply(configMap('later', '2'), { namespace });
    await client.delete(kubeResources.ConfigMap, 'before', { namespace });
    await waitFor('the delete', () => events.includes('deleted before=1'));
    expect(events).toEqual(['added before=1', 'added later=1', 'updated later=2', 'deleted before=1']);
    expect(cached(informer)).toEqual(['later=2']);
    expect(informer.get('later')?.data?.value).toBe('2');
    await informer.stop();
  });

  it('a dropped watch reconnects and continues from where it was: a change made meanwhile arrives, without a second list', async () => {
    const watched = await watchedNamespace();
    const { informer, events, problems, namespace } = watched;
    await client.apply(configMap('a', '1'), { namespace });
    await client.apply(configMap('c', '1'), { namespace });
    informer.start();
    await informer.synced();

    const cut = await disconnect(watched);
    await client.apply(configMap('a', '2'), { namespace });
    await client.delete(kubeResources.ConfigMap, 'c', { namespace });
    await client.apply(configMap('b', '1'), { namespace });
    cut.reconnect();
    await waitFor('the changes made while disconnected', () => events.includes('added b=1'));
    expect(events.slice(2)).toEqual(['updated a=2', 'deleted c=1', 'added b=1']);
    expect(cached(informer)).toEqual(['a=2', 'b=1']);
    expect(informer.stats().lists).toBe(1);
    expect(informer.stats().watches).toBeGreaterThanOrEqual(2);
    // Retries back off, and stay under the cap.
    expect(problems.every((p) => p.retryInMs <= 200)).toBe(true);
    await informer.stop();
  });

  it('after compaction (410 Gone) it lists again and reports the differences as events', async () => {
    const watched = await watchedNamespace();
    const { informer, events, problems, namespace } = watched;
    await client.apply(configMap('kept', '1'), { namespace });
    await client.apply(configMap('changed', '1'), { namespace });
    await client.apply(configMap('removed', '1'), { namespace });
    informer.start();
    await informer.synced();

    const cut = await disconnect(watched);
    await client.apply(configMap('changed', '2'), { namespace });
    await client.delete(kubeResources.ConfigMap, 'removed', { namespace });
    await client.apply(configMap('created', '1'), { namespace });
    api.compact();
    cut.reconnect();
    await waitFor('the re-list', () => events.includes('added created=1'));
    expect(events.slice(3).sort()).toEqual(['added created=1', 'deleted removed=1', 'updated changed=2']);
    expect(cached(informer)).toEqual(['changed=2', 'created=1', 'kept=1']);
    expect(informer.stats().lists).toBe(2);
    expect(problems.map((p) => p.error.code)).toContain('SKIFF_KUBE_EXPIRED');
    await informer.stop();
  });

  it('a watch connection that goes silent (no bookmarks) is taken for dead and opened again; a change made meanwhile arrives', async () => {
    const proxy = await startFreezableProxy(Number(new URL(api.url).port));
    const viaProxy = clientOfFakeAt(api, `https://127.0.0.1:${proxy.port}`, { requestTimeoutMs: 1_000 });
    const { informer, events, problems, namespace } = await watchedNamespace(viaProxy.client, { watchIdleTimeoutMs: 800 });
    try {
      informer.start();
      await informer.synced();
      // Bookmarks (every 200 ms) keep a live watch from looking idle, longer than the idle timeout.
      await waitFor('bookmarks for longer than the idle timeout', () => informer.stats().bookmarks >= 6);
      expect(informer.stats().watches).toBe(1);
      expect(problems).toEqual([]);

      proxy.freeze();
      await client.apply(configMap('during-silence', '1'), { namespace });
      await waitFor('the change, through a new watch', () => events.includes('added during-silence=1'));
      expect(problems.map((p) => p.error.message)).toContain('the watch of configmaps received nothing, not even a bookmark, for 800 ms; opening it again');
      expect(informer.stats().lists).toBe(1);
    } finally {
      await informer.stop();
      viaProxy.dispose();
      await proxy.close();
    }
  });

  it('stop() while the first list hangs on a server that never answers ends it at once', async () => {
    const silent = await startSilentServer();
    const hung = clientOfFakeAt(api, `https://127.0.0.1:${silent.port}`);
    try {
      const informer = new Informer<ConfigMap>({ client: hung.client, type: kubeResources.ConfigMap });
      informer.start();
      let deadline: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        informer.stop().then(() => 'stopped'),
        new Promise((resolve) => (deadline = setTimeout(() => resolve('still listing after 5 s'), 5_000))),
      ]);
      clearTimeout(deadline);
      expect(outcome).toBe('stopped');
    } finally {
      hung.dispose();
      await silent.close();
    }
  });

  it('synced() waits for a list the token may not do; stop() ends the retries and leaves no timer', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    api.setForbidden([{ verb: 'list', resource: 'configmaps' }]);
    const watched = await watchedNamespace();
    watched.informer.start();
    await waitFor('a few refused lists', () => watched.problems.length >= 3);
    expect(watched.problems[0]?.error.message).toContain(`may not list configmaps in namespace "${watched.namespace}"`);
    const synced = watched.informer.synced().then(
      () => 'synced',
      (error: { code: string }) => error.code,
    );
    await watched.informer.stop();
    expect(await synced).toBe('SKIFF_KUBE_FORBIDDEN');
    api.setForbidden([]);
    const reported = watched.problems.length;
    await client.apply(configMap('after-stop', '1'), { namespace: watched.namespace });
    expect(watched.events).toEqual([]);
    expect(watched.problems).toHaveLength(reported);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
  });
});
