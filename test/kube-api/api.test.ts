/** The fake over plain HTTPS: the behaviours a client (the Kubernetes provider) depends on that kubectl does not show. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/platform.js';
import { startFakeKubeApi, type FakeKubeApi } from './start-fake-kube-api.js';
import { request, watch } from './testing/kube-client.js';

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { a: '1' }): object => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

describe('fake Kubernetes API over HTTP', () => {
  let api: FakeKubeApi;

  beforeAll(async () => {
    api = await startFakeKubeApi({ bookmarkIntervalMs: 50, namespaces: ['shop'] });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('a write with a stale resourceVersion is a 409 Conflict Status; a fresh one bumps the global counter', async () => {
    const created = await request(api, 'POST', CONFIGMAPS, configMap('stale'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ uid: expect.any(String), creationTimestamp: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) });
    const first = { ...created.body, data: { a: '2' } };
    const updated = await request(api, 'PUT', `${CONFIGMAPS}/stale`, first);
    expect(updated.status).toBe(200);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));
    const stale = await request(api, 'PUT', `${CONFIGMAPS}/stale`, { ...created.body, data: { a: '3' } });
    expect(stale).toEqual({
      status: 409,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
        reason: 'Conflict',
        details: { name: 'stale', group: '', kind: 'configmaps' },
        code: 409,
      },
    });
    expect((await request(api, 'GET', `${CONFIGMAPS}/stale`)).body.data).toEqual({ a: '2' });
  });

  it('AlreadyExists, NotFound and a missing namespace are Statuses like the real ones', async () => {
    await request(api, 'POST', CONFIGMAPS, configMap('twice'));
    const again = await request(api, 'POST', CONFIGMAPS, configMap('twice'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409, message: 'configmaps "twice" already exists' });
    const missing = await request(api, 'GET', '/apis/apps/v1/namespaces/default/deployments/none');
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'deployments.apps "none" not found', details: { name: 'none', group: 'apps', kind: 'deployments' } });
    const noNamespace = await request(api, 'POST', '/api/v1/namespaces/ghost/configmaps', configMap('x'));
    expect(noNamespace.body).toMatchObject({ reason: 'NotFound', code: 404, message: 'namespaces "ghost" not found' });
  });

  it('lists by label selector with =, !=, in and exists', async () => {
    await request(api, 'POST', '/api/v1/namespaces/shop/configmaps', configMap('blue', { app: 'shop', track: 'stable' }));
    await request(api, 'POST', '/api/v1/namespaces/shop/configmaps', configMap('green', { app: 'shop', track: 'canary' }));
    await request(api, 'POST', '/api/v1/namespaces/shop/configmaps', configMap('other', { app: 'cart' }));
    const names = async (selector: string): Promise<string[]> => {
      const list = await request(api, 'GET', `/api/v1/namespaces/shop/configmaps?labelSelector=${encodeURIComponent(selector)}`);
      expect(list.body).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
      return list.body.items.map((i: any) => i.metadata.name);
    };
    expect(await names('app=shop')).toEqual(['blue', 'green']);
    expect(await names('app=shop,track!=canary')).toEqual(['blue']);
    expect(await names('track in (canary,stable),app')).toEqual(['blue', 'green']);
    expect(await names('!track')).toEqual(['other']);
  });

  it('watch from a resourceVersion replays what followed it, sends bookmarks, and answers 410 after compaction', async () => {
    const list = await request(api, 'GET', CONFIGMAPS);
    const from = list.body.metadata.resourceVersion;
    await request(api, 'POST', CONFIGMAPS, configMap('watched'));
    await request(api, 'PATCH', `${CONFIGMAPS}/watched`, { data: { a: '5' } }, 'application/merge-patch+json');
    const stream = await watch(api, `${CONFIGMAPS}?watch=1&resourceVersion=${from}&allowWatchBookmarks=true`);
    try {
      await waitFor('ADDED, MODIFIED and a bookmark', () => stream.events.some((e) => e.type === 'BOOKMARK'));
      expect(stream.events.filter((e) => e.type !== 'BOOKMARK').map((e) => [e.type, e.object.metadata.name, e.object.data.a])).toEqual([
        ['ADDED', 'watched', '1'],
        ['MODIFIED', 'watched', '5'],
      ]);
      const bookmark = stream.events.find((e) => e.type === 'BOOKMARK');
      expect(bookmark?.object).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
      await request(api, 'DELETE', `${CONFIGMAPS}/watched`);
      await waitFor('DELETED', () => stream.events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'watched'));
    } finally {
      stream.close();
    }

    api.compact();
    const gone = await watch(api, `${CONFIGMAPS}?watch=1&resourceVersion=${from}`);
    await waitFor('the ERROR event', () => gone.events.length > 0, 10_000);
    await gone.ended;
    expect(gone.events).toEqual([
      {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: expect.stringMatching(new RegExp(`^too old resource version: ${from} \\(\\d+\\)$`)), reason: 'Expired', code: 410 },
      },
    ]);
  });

  it('server-side apply records the applier\'s fields, removes a field it stops applying, and an update takes over what it changes', async () => {
    const apply = (body: object, manager: string) =>
      request(api, 'PATCH', `${CONFIGMAPS}/applied?fieldManager=${manager}`, body, 'application/apply-patch+yaml');
    const first = await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { keep: 'x', drop: 'y' } }, 'skiff');
    expect(first.status).toBe(201);
    expect(first.body.metadata.managedFields).toEqual([
      { manager: 'skiff', operation: 'Apply', apiVersion: 'v1', time: expect.any(String), fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:keep': {}, 'f:drop': {} } } },
    ]);
    const second = await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { keep: 'x' } }, 'skiff');
    expect(second.body.data).toEqual({ keep: 'x' });
    const edited = await request(api, 'PATCH', `${CONFIGMAPS}/applied?fieldManager=editor`, { data: { keep: 'edited' } }, 'application/merge-patch+json');
    expect(edited.body.metadata.managedFields.map((m: any) => [m.manager, m.operation, Object.keys(m.fieldsV1['f:data'])])).toEqual([['editor', 'Update', ['f:keep']]]);
    const conflict = await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { keep: 'x' } }, 'skiff');
    expect(conflict.body).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "editor" using v1: .data.keep',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "editor" using v1', field: '.data.keep' }] },
    });
  });

  it('a write to a Deployment ignores status; /status writes only status; /scale reads and sets replicas', async () => {
    const deployments = '/apis/apps/v1/namespaces/shop/deployments';
    const created = await request(api, 'POST', deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cart' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'cart' } }, template: { metadata: { labels: { app: 'cart' } }, spec: { containers: [{ name: 'cart', image: 'cart:1' }] } } },
      status: { replicas: 99 },
    });
    expect(created.body.status).toBeUndefined();
    expect(created.body.metadata.generation).toBe(1);
    expect(created.body.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    const scale = await request(api, 'GET', `${deployments}/cart/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 0 }, status: { selector: 'app=cart' } });
    const scaled = await request(api, 'PATCH', `${deployments}/cart/scale`, { spec: { replicas: 2 } }, 'application/merge-patch+json');
    expect(scaled.body.spec.replicas).toBe(2);
    const current = await request(api, 'GET', `${deployments}/cart`);
    expect(current.body.metadata.generation).toBe(2);
    await waitFor('the controller to report 2 ready replicas', async () => (await request(api, 'GET', `${deployments}/cart`)).body.status?.readyReplicas === 2);
    const viaMain = await request(api, 'PATCH', `${deployments}/cart`, { status: { readyReplicas: 7 } }, 'application/merge-patch+json');
    expect(viaMain.body.status.readyReplicas).toBe(2);
    const latest = (await request(api, 'GET', `${deployments}/cart`)).body;
    const viaStatus = await request(api, 'PUT', `${deployments}/cart/status`, { ...latest, spec: { ...latest.spec, replicas: 9 }, status: { ...latest.status, observedGeneration: 42 } });
    expect(viaStatus.body.status.observedGeneration).toBe(42);
    expect(viaStatus.body.spec.replicas).toBe(2);
  });

  it('a watch with a label selector sees an object that stops matching as DELETED and one that starts as ADDED', async () => {
    const ns = '/api/v1/namespaces/shop/configmaps';
    await request(api, 'POST', ns, configMap('mover', { track: 'stable' }));
    const from = (await request(api, 'GET', ns)).body.metadata.resourceVersion;
    const stream = await watch(api, `${ns}?watch=1&resourceVersion=${from}&labelSelector=track%3Dstable`);
    try {
      await request(api, 'PATCH', `${ns}/mover`, { metadata: { labels: { track: 'canary' } } }, 'application/merge-patch+json');
      await request(api, 'PATCH', `${ns}/mover`, { metadata: { labels: { track: 'stable' } } }, 'application/merge-patch+json');
      await waitFor('DELETED then ADDED', () => stream.events.length >= 2);
      expect(stream.events.map((e) => [e.type, e.object.metadata.labels.track])).toEqual([
        ['DELETED', 'canary'],
        ['ADDED', 'stable'],
      ]);
    } finally {
      stream.close();
    }
  });

  it('pages a list with limit and continue', async () => {
    const ns = '/api/v1/namespaces/shop/configmaps';
    const first = await request(api, 'GET', `${ns}?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata).toMatchObject({ continue: expect.any(String), remainingItemCount: expect.any(Number) });
    const all = (await request(api, 'GET', ns)).body.items.map((i: any) => i.metadata.name);
    const names = [...first.body.items.map((i: any) => i.metadata.name)];
    let token: string | undefined = first.body.metadata.continue;
    for (let page = 0; token && page < 10; page += 1) {
      const next = await request(api, 'GET', `${ns}?limit=2&continue=${encodeURIComponent(token)}`);
      names.push(...next.body.items.map((i: any) => i.metadata.name));
      token = next.body.metadata.continue;
    }
    expect(names).toEqual(all);
  });

  it('a dry run answers the result and stores nothing', async () => {
    const before = await request(api, 'GET', `${CONFIGMAPS}/stale`);
    const dry = await request(api, 'PATCH', `${CONFIGMAPS}/stale?dryRun=All&fieldManager=skiff&force=true`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stale' }, data: { a: 'dry' } }, 'application/apply-patch+yaml');
    expect(dry.body.data).toEqual({ a: 'dry' });
    const created = await request(api, 'POST', `${CONFIGMAPS}?dryRun=All`, configMap('phantom'));
    expect(created.status).toBe(201);
    expect((await request(api, 'GET', `${CONFIGMAPS}/phantom`)).status).toBe(404);
    expect((await request(api, 'GET', `${CONFIGMAPS}/stale`)).body).toEqual(before.body);
  });

  it('a deleted namespace is Terminating, refuses new content, and goes once its contents are gone (finalizers included)', async () => {
    await request(api, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    const held = { ...configMap('held'), metadata: { name: 'held', finalizers: ['skiff.dev/test-hold'] } };
    await request(api, 'POST', '/api/v1/namespaces/doomed/configmaps', held);
    const deleted = await request(api, 'DELETE', '/api/v1/namespaces/doomed');
    expect(deleted.body.status.phase).toBe('Terminating');
    await waitFor('the held ConfigMap to be marked for deletion', async () => (await request(api, 'GET', '/api/v1/namespaces/doomed/configmaps/held')).body.metadata.deletionTimestamp);
    const refused = await request(api, 'POST', '/api/v1/namespaces/doomed/configmaps', configMap('late'));
    expect(refused.body).toMatchObject({ code: 403, reason: 'Forbidden', message: 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated' });
    expect((await request(api, 'GET', '/api/v1/namespaces/doomed')).body.status.phase).toBe('Terminating');
    await request(api, 'PATCH', '/api/v1/namespaces/doomed/configmaps/held', { metadata: { finalizers: null } }, 'application/merge-patch+json');
    await waitFor('the namespace to go', async () => (await request(api, 'GET', '/api/v1/namespaces/doomed')).status === 404);
    expect((await request(api, 'GET', '/api/v1/namespaces/doomed/configmaps')).body.items).toEqual([]);
  });

  it('pods/log of a simulated pod, and strategic merge patch of a container by name', async () => {
    const pods = '/api/v1/namespaces/shop/pods';
    await request(api, 'POST', pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { containers: [{ name: 'main', image: 'solo:1', env: [{ name: 'A', value: '1' }] }] } });
    await waitFor('the pod to run', async () => (await request(api, 'GET', `${pods}/solo`)).body.status?.phase === 'Running');
    const log = await request(api, 'GET', `${pods}/solo/log`);
    expect(log.body).toBe('simulated container main started from solo:1\n');
    const patched = await request(api, 'PATCH', `${pods}/solo`, { metadata: { annotations: { note: 'x' } }, spec: { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }] }] } }, 'application/strategic-merge-patch+json');
    expect(patched.body.spec.containers[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(patched.body.spec.containers[0].image).toBe('solo:1');
  });
});
