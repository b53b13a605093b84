import { describe, expect, it } from 'vitest';
import type { RouteTable } from '../../../core/route-table.js';
import { route, table } from '../../../router/test-fixtures.js';
import { EndpointTable, readyEndpoints, type EndpointSlice } from './endpoint-table.js';

type Endpoint = { pod: string; ip: string; ready?: boolean; terminating?: boolean };

function slice(service: string, endpoints: readonly Endpoint[], port = 8080): EndpointSlice {
  return {
    metadata: { name: `${service}-abcde`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false },
      targetRef: { kind: 'Pod', name: e.pod },
    })),
  };
}

/** The control plane's table: a canary split of web between v1 and v2, listing `listed` as ready pods. */
function controlTable(version: number, listed: readonly { id: string; release: string }[]): RouteTable {
  return table(version, [
    route({
      id: 'prod/web/0',
      service: 'web',
      weights: { v1: 90, v2: 10 },
      backends: listed.map((b) => ({ ...b, host: '10.0.0.1', port: 8080 })),
    }),
  ]);
}

const backendsOf = (merged: RouteTable): string[] => (merged.routes[0]?.backends ?? []).map((b) => `${b.release}:${b.id}@${b.host}:${b.port}`).sort();

describe('the table a router in the cluster serves', () => {
  it("takes each release's backends from the ready, not terminating endpoints of its Service", () => {
    const merged = new EndpointTable().merge(controlTable(3, []), [
      slice('web-v1', [
        { pod: 'web-v1-a', ip: '10.1.0.1' },
        { pod: 'web-v1-b', ip: '10.1.0.2', ready: false },
        { pod: 'web-v1-c', ip: '10.1.0.3', ready: false, terminating: true },
      ]),
      slice('web-v2', [{ pod: 'web-v2-a', ip: '10.1.0.4' }], 9090),
      slice('other-v1', [{ pod: 'other-v1-a', ip: '10.1.0.5' }]),
    ]);
    expect(backendsOf(merged)).toEqual(['v1:web-v1-a@10.1.0.1:8080', 'v2:web-v2-a@10.1.0.4:9090']);
    expect(merged.version).toBe(3);
    expect(merged.routes[0]?.weights).toEqual({ v1: 90, v2: 10 });
  });

  it('keeps a pod the control plane withdrew out, and routes to one it has not listed yet', () => {
    const merger = new EndpointTable();
    const slices = [slice('web-v1', [{ pod: 'a', ip: '10.1.0.1' }, { pod: 'b', ip: '10.1.0.2' }, { pod: 'c', ip: '10.1.0.3' }])];
    merger.merge(controlTable(1, [{ id: 'a', release: 'v1' }, { id: 'b', release: 'v1' }]), slices);
    // v2 of the table leaves b out (it is being drained); c is new to the control plane.
    const merged = merger.merge(controlTable(2, [{ id: 'a', release: 'v1' }]), slices);
    expect(backendsOf(merged)).toEqual(['v1:a@10.1.0.1:8080', 'v1:c@10.1.0.3:8080']);
  });

  it('forgets a withdrawn pod once it is in no slice, and a release without a Service has no backends', () => {
    const merger = new EndpointTable();
    merger.merge(controlTable(1, [{ id: 'a', release: 'v1' }]), [slice('web-v1', [{ pod: 'a', ip: '10.1.0.1' }])]);
    merger.merge(controlTable(2, []), []);
    // The same name again (a StatefulSet would reuse it) is a pod the control plane has not listed.
    const merged = merger.merge(controlTable(3, []), [slice('web-v1', [{ pod: 'a', ip: '10.1.0.9' }])]);
    expect(backendsOf(merged)).toEqual(['v1:a@10.1.0.9:8080']);
  });

  it('ignores slices without a Service label, IPv6 slices and slices without ports', () => {
    const endpoints = readyEndpoints([
      { metadata: { name: 'x' }, endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 1 }] },
      { ...slice('web-v1', [{ pod: 'a', ip: 'fd00::1' }]), addressType: 'IPv6' },
      { ...slice('web-v1', [{ pod: 'b', ip: '10.0.0.2' }]), ports: [] },
      { metadata: { name: 'y', labels: { 'kubernetes.io/service-name': 'web-v2' } }, endpoints: [{ addresses: ['10.0.0.3'] }], ports: [{ name: 'metrics', port: 9 }] },
    ]);
    expect([...endpoints.entries()]).toEqual([['web-v2', [{ id: '10.0.0.3:9', host: '10.0.0.3', port: 9 }]]]);
  });
});
