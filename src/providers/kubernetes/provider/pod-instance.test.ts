import { describe, expect, it } from 'vitest';
import { podToInstance, type Pod } from './pod-instance.js';

const facts = { environment: 'dev', configHash: 'hash-v1', ordinal: 1, stopRequested: false };

function pod(status: Pod['status'], deleting = false): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-v1-abc-x1',
      labels: { 'app.kubernetes.io/name': 'web', 'skiff.dev/release': 'v1' },
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:10Z' } : {}),
    },
    status,
  };
}

const running = (ready: boolean, extra: object = {}): Pod['status'] => ({
  phase: 'Running',
  podIP: '10.244.0.7',
  startTime: '2026-01-01T00:00:00Z',
  conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  containerStatuses: [{ name: 'web', image: 'i', imageID: 'i', ready, restartCount: 2, state: { running: { startedAt: '2026-01-01T00:00:01Z' } }, ...extra }],
});

describe('a pod as an instance', () => {
  it.each([
    ['ready', running(true), false, { state: 'ready', reason: null, address: { host: '10.244.0.7', port: 8080 } }],
    ['running, not ready yet', running(false), false, { state: 'starting', reason: null }],
    ['scheduled, no status yet', { phase: 'Pending' }, false, { state: 'starting', address: null, startedAt: null, restarts: 0 }],
    ['being deleted', running(true), true, { state: 'stopping' }],
    [
      'pulling its image fails',
      running(false, { state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r/web@sha256:1"' } } }),
      false,
      { state: 'crashed', reason: 'ImagePullBackOff: Back-off pulling image "r/web@sha256:1"', address: null, nextStartAt: null },
    ],
    [
      'killed for its memory, crash-looping',
      running(false, { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }),
      false,
      { state: 'crashed', reason: 'CrashLoopBackOff: back-off 10s; last exit: OOMKilled (exit code 137)' },
    ],
    ['its image cannot be pulled', running(false, { state: { waiting: { reason: 'ErrImagePull' } } }), false, { state: 'crashed', reason: 'ErrImagePull' }],
    ['waiting to be created', running(false, { state: { waiting: { reason: 'ContainerCreating' } } }), false, { state: 'starting', reason: null }],
  ] as const)('%s', (_, status, deleting, expected) => {
    expect(podToInstance(pod(status, deleting), facts)).toMatchObject(expected);
  });

  it('carries its name, labels, restarts and start time', () => {
    expect(podToInstance(pod(running(true)), facts)).toEqual({
      id: 'web-v1-abc-x1',
      environment: 'dev',
      service: 'web',
      release: 'v1',
      configHash: 'hash-v1',
      state: 'ready',
      reason: null,
      restarts: 2,
      ordinal: 1,
      nextStartAt: null,
      startedAt: Date.parse('2026-01-01T00:00:00Z'),
      address: { host: '10.244.0.7', port: 8080 },
    });
  });

  it('is crashed when it runs another image than the digest its release names', () => {
    const wanted = `r/web@sha256:${'a'.repeat(64)}`;
    const other = `r/web@sha256:${'b'.repeat(64)}`;
    const withImage = (imageID: string): Pod => ({ ...pod(running(true, { imageID })), spec: { nodeName: 'node-1', containers: [{ name: 'web', image: wanted }] } });
    expect(podToInstance(withImage(other), facts)).toMatchObject({
      state: 'crashed',
      reason: `ImageDigestMismatch: container web runs sha256:${'b'.repeat(64)}, but its release's image is sha256:${'a'.repeat(64)}`,
      address: null,
    });
    expect(podToInstance(withImage(`docker-pullable://${wanted}`), facts)).toMatchObject({ state: 'ready', node: 'node-1' });
    // An image id (no registry digest reported) cannot be compared: the pod's own state stands.
    expect(podToInstance(withImage(`sha256:${'c'.repeat(64)}`), facts).state).toBe('ready');
  });

  it('is stopping as soon as Skiff asked, before the cluster shows it', () => {
    expect(podToInstance(pod(running(true)), { ...facts, stopRequested: true }).state).toBe('stopping');
  });
});
