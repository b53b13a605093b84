import { describe, expect, it } from 'vitest';
import type { ParallelView, RolloutView } from '../api/rollout-port.js';
import { parallelLines } from './commands/parallel.js';
import { rolloutLines, waitsForPerson } from './rollout-display.js';

const figures = (requests: number, errors: number, p99: number) => ({ requests, errors, errorRate: errors / requests, p50: 2, p95: 5, p99 });

const canary: RolloutView = {
  id: 3,
  environment: 'prod',
  service: 'web',
  strategy: 'canary',
  settings: {},
  stable: { release: 'v1', artifact: null, configHash: 'a' },
  next: { release: 'v2', artifact: null, configHash: 'b' },
  active: false,
  phase: 'aborted',
  result: 'aborted',
  reason: 'rolled back to v1: analysis "default" failed: errorRate 20% (40 of 200) above max 1%',
  step: 1,
  steps: [
    { index: 0, kind: 'weight', label: 'weight 10%', state: 'done' },
    { index: 1, kind: 'analysis', label: 'analysis default', state: 'failed' },
    { index: 2, kind: 'full', label: 'all traffic to v2', state: 'skipped' },
  ],
  weights: { v1: 100 },
  matches: [{ kind: 'header', name: 'x-internal', value: '1', release: 'v2' }],
  preview: null,
  analyses: [
    {
      step: 1,
      name: 'default',
      outcome: 'fail',
      reason: 'errorRate 20% (40 of 200) above max 1%',
      since: '2026-11-26T10:00:00.000Z',
      at: '2026-11-26T10:00:30.000Z',
      minRequests: 50,
      canary: figures(200, 40, 12),
      stable: figures(1800, 0, 10),
      checks: [{ metric: 'errorRate', outcome: 'fail', ok: false, value: 0.2, limit: 0.01, detail: 'errorRate 20% (40 of 200) above max 1%' }],
    },
  ],
  requests: { paused: false, promote: false, abort: false },
  actions: [],
  trigger: 'deploy',
  author: 'ana',
  startedAt: '2026-11-26T09:59:00.000Z',
  updatedAt: '2026-11-26T10:00:31.000Z',
  finishedAt: '2026-11-26T10:00:35.000Z',
};

describe('rollout display', () => {
  it('shows the steps with their state, the weights, matches and every figure of the analyses', () => {
    const text = rolloutLines(canary).join('\n');
    expect(text).toContain('web in prod: canary v1 → v2, aborted: rolled back to v1');
    expect(text).toContain('traffic: v1 100%');
    expect(text).toContain('match: header x-internal=1 → v2');
    expect(text).toMatch(/✓ weight 10%\n\s+✗ analysis default\n\s+- all traffic to v2/);
    expect(text).toContain('v2: 200 requests, 40 errors (20%), p50 2ms, p95 5ms, p99 12ms');
    expect(text).toContain('v1: 1800 requests, 0 errors (0%)');
    expect(text).toContain('✗ errorRate 20% (40 of 200) above max 1%');
  });

  it('knows when a rollout waits for a person', () => {
    const at = (kind: string, label: string, extra: Partial<RolloutView> = {}): RolloutView => ({
      ...canary,
      active: true,
      result: null,
      phase: 'paused',
      step: 0,
      steps: [{ index: 0, kind, label, state: 'current' }],
      ...extra,
    });
    expect(waitsForPerson(at('awaiting-promote', 'awaiting-promote'))).toBe(true);
    expect(waitsForPerson(at('pause', 'pause until resumed'))).toBe(true);
    expect(waitsForPerson(at('pause', 'pause 30s'))).toBe(false);
    expect(waitsForPerson(at('pause', 'pause 30s', { requests: { paused: true, promote: false, abort: false } }))).toBe(true);
    expect(waitsForPerson(canary)).toBe(false);
  });
});

describe('parallel report display', () => {
  it('shows the differing endpoints with examples and the noise left out', () => {
    const view: ParallelView = {
      environment: 'dev',
      service: 'shop',
      active: true,
      candidate: 'v3',
      trusted: 'v2',
      author: 'ana',
      startedAt: '2026-11-26T10:00:00.000Z',
      settings: { percent: 100, methods: ['GET'], compareHeaders: ['content-type'], ignoreFields: [] },
      compared: 100,
      matchRate: 0.9,
      routes: [
        {
          route: 'dev/shop/0',
          candidateRelease: 'v3',
          mirrored: 100,
          compared: 100,
          matched: 90,
          matchRate: 0.9,
          noiseCompared: 100,
          dropped: 0,
          tooLarge: 0,
          endpoints: [
            {
              endpoint: 'GET /price',
              compared: 10,
              differing: 10,
              matchRate: 0,
              differences: [{ key: 'body:price', candidateCount: 10, candidateRate: 1, noiseRate: 0, samples: [{ path: '/price?id=1', trusted: '4', candidate: '3' }] }],
            },
            { endpoint: 'GET /static', compared: 90, differing: 0, matchRate: 1, differences: [] },
          ],
          noiseKeys: ['body:requestId'],
        },
      ],
      unreadRouters: [],
    };
    const text = parallelLines(view).join('\n');
    expect(text).toContain('match rate 90% over 100 compared answers');
    expect(text).toContain('GET /price: 10 of 10 differ');
    expect(text).toContain('body:price: 10 times (100%; between trusted instances 0%)');
    expect(text).toContain('/price?id=1: v2 4 | v3 3');
    expect(text).not.toContain('GET /static');
    expect(text).toContain('noise (also between trusted instances, left out): body:requestId');
    expect(text).not.toContain('not counted');
  });

  it("names a router that did not answer: its copies are not in the figures", () => {
    const view: ParallelView = {
      environment: 'cluster',
      service: 'shop',
      active: true,
      candidate: 'v1',
      trusted: 'v2',
      author: 'ana',
      startedAt: '2026-11-26T10:00:00.000Z',
      settings: { percent: 100, methods: ['GET'], compareHeaders: [], ignoreFields: [] },
      compared: 0,
      matchRate: null,
      routes: [],
      unreadRouters: [{ router: 'skiff-router-7d9-abcde', reason: 'answered 503' }],
    };
    expect(parallelLines(view)).toContain("  router skiff-router-7d9-abcde did not answer (answered 503): what it compared is not counted above");
  });
});
