import { describe, expect, it } from 'vitest';
import { emptyEndpointCounts, endpointCounts, mergeParallelSnapshots, recordCandidate, recordNoise, type RouteCounts } from './counts.js';
import { buildParallelReport } from './report.js';

function run(): RouteCounts {
  return { route: 'prod/catalog/0', environment: 'prod', service: 'catalog', candidateRelease: 'v2', mirrored: 0, dropped: 0, tooLarge: 0, endpoints: {} };
}

const d = (key: string, trusted = 't', candidate = 'c'): { key: string; trusted: string; candidate: string } => ({ key, trusted, candidate });

describe('parallel-run report', () => {
  it('reports keys beyond the noise as real, filters noise keys, and computes match rates', () => {
    const counts = run();
    const products = endpointCounts(counts, 'GET /products');
    const prices = endpointCounts(counts, 'GET /prices');
    for (let i = 0; i < 20; i++) {
      // requestId differs between the trusted instances every time, and with the candidate half the time.
      recordCandidate(products, `/products?i=${i}`, i % 2 === 0 ? [d('body:requestId')] : []);
      recordNoise(products, [d('body:requestId')]);
      recordCandidate(prices, `/prices?i=${i}`, i % 2 === 0 ? [d('body:items.*.price', '1', '2'), d('body:requestId')] : [d('body:items.*.price', '1', '2')]);
      recordNoise(prices, [d('body:requestId')]);
    }
    counts.mirrored = 40;
    const [report] = buildParallelReport({ routes: [counts] }).routes;
    expect(report).toMatchObject({ mirrored: 40, compared: 40, matched: 20, matchRate: 0.5, noiseCompared: 40, noiseKeys: ['body:requestId'] });
    expect(report!.endpoints.map((e) => [e.endpoint, e.compared, e.differing])).toEqual([
      ['GET /prices', 20, 20],
      ['GET /products', 20, 0],
    ]);
    const [difference] = report!.endpoints[0]!.differences;
    expect(report!.endpoints[0]!.differences).toHaveLength(1);
    expect(difference).toMatchObject({ key: 'body:items.*.price', candidateCount: 20, candidateRate: 1, noiseRate: 0 });
    expect(difference!.samples).toHaveLength(5);
    expect(difference!.samples[0]).toEqual({ path: '/prices?i=0', trusted: '1', candidate: '2' });
  });

  it('counts a key as real when the candidate shows it clearly more often than the noise', () => {
    const counts = run();
    const endpoint = endpointCounts(counts, 'GET /a');
    for (let i = 0; i < 100; i++) {
      recordCandidate(endpoint, '/a', i < 50 ? [d('header:etag')] : []);
      recordNoise(endpoint, i < 10 ? [d('header:etag')] : []);
    }
    const [report] = buildParallelReport({ routes: [counts] }).routes;
    expect(report!.endpoints[0]!.differences[0]).toMatchObject({ key: 'header:etag', candidateRate: 0.5, noiseRate: 0.1 });
    expect(report!.matched).toBe(50);
    // Within the thresholds it is noise.
    const close = buildParallelReport({ routes: [counts] }, { absoluteThreshold: 0.45 }).routes[0]!;
    expect(close.endpoints[0]!.differences).toEqual([]);
    expect(close.noiseKeys).toEqual(['header:etag']);
  });

  it('treats a key that differs almost always between trusted instances as noise, even if the candidate differs always', () => {
    const counts = run();
    const endpoint = endpointCounts(counts, 'GET /a');
    for (let i = 0; i < 100; i++) {
      recordCandidate(endpoint, '/a', [d('body:at')]);
      recordNoise(endpoint, i < 90 ? [d('body:at')] : []);
    }
    const [report] = buildParallelReport({ routes: [counts] }).routes;
    expect(report!.endpoints[0]!.differences).toEqual([]);
    expect(report!.noiseKeys).toEqual(['body:at']);
    expect(report!.matchRate).toBe(1);
  });

  it('uses the route noise for an endpoint that had none, and counts everything as real without noise', () => {
    const counts = run();
    const measured = endpointCounts(counts, 'GET /a');
    const unmeasured = endpointCounts(counts, 'GET /b');
    recordNoise(measured, [d('body:time')]);
    recordCandidate(unmeasured, '/b', [d('body:time')]);
    expect(buildParallelReport({ routes: [counts] }).routes[0]!.noiseKeys).toEqual(['body:time']);

    const lonely = run();
    recordCandidate(endpointCounts(lonely, 'GET /b'), '/b', [d('body:time')]);
    const report = buildParallelReport({ routes: [lonely] }).routes[0]!;
    expect(report.endpoints[0]!.differences[0]).toMatchObject({ key: 'body:time', noiseRate: null });
    expect(report.matchRate).toBe(0);
  });

  it('has a null match rate before any comparison', () => {
    expect(buildParallelReport({ routes: [run()] }).routes[0]).toMatchObject({ compared: 0, matched: 0, matchRate: null, endpoints: [] });
  });

  it('bounds endpoints, and merges workers’ counts keeping at most 5 samples', () => {
    const counts = run();
    for (let i = 0; i < 205; i++) recordCandidate(endpointCounts(counts, `GET /item/${i}`), `/item/${i}`, []);
    expect(Object.keys(counts.endpoints)).toHaveLength(201);
    expect(counts.endpoints.other!.compared).toBe(5);

    const one = run();
    const two = run();
    for (const worker of [one, two]) {
      worker.mirrored = 4;
      worker.dropped = 1;
      const endpoint = endpointCounts(worker, 'GET /x');
      for (let i = 0; i < 4; i++) recordCandidate(endpoint, '/x', [d('status', '200', '500')]);
    }
    const merged = mergeParallelSnapshots([{ routes: [one] }, { routes: [two] }]);
    expect(merged.routes).toHaveLength(1);
    const route = merged.routes[0]!;
    expect(route).toMatchObject({ mirrored: 8, dropped: 2 });
    expect(route.endpoints['GET /x']).toMatchObject({ compared: 8, outcomes: { status: 8 } });
    expect(route.endpoints['GET /x']!.keys.status).toMatchObject({ count: 8 });
    expect(route.endpoints['GET /x']!.keys.status!.samples).toHaveLength(5);
    // The merge copies: the workers' counts are untouched.
    expect(one.endpoints['GET /x']!.compared).toBe(4);
    expect(emptyEndpointCounts()).toEqual({ compared: 0, outcomes: {}, keys: {}, noiseCompared: 0, noiseKeys: {} });
  });
});
