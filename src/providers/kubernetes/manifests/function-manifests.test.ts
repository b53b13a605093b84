import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { describe, expect, it } from 'vitest';
import type { RouteTable } from '../../../core/route-table.js';
import { parseSpec } from '../../../spec/parse.js';
import { exportWorkloads } from '../export-workloads.js';
import { environmentManifests } from './environment-manifests.js';

const specText = `name: fn
services:
  price:
    kind: function
    path: price
    handler: src/price.mjs
    timeout: 5s
    memory: 64Mi
    concurrency: 20
    routes: [{ path: /price }]
  always:
    kind: function
    path: always
    handler: index.mjs
    readiness: { http: /ready, interval: 2s }
    routes: [{ path: /always }]
environments:
  cluster:
    provider: kubernetes
    registry: 127.0.0.1:5000/skiff
    services:
      price:
        autoscale: { min: 0, max: 3, target: { concurrency: 10 } }
      always:
        instances: 2
`;

const digest = `sha256:${'f1'.repeat(32)}`;

function manifests() {
  const parsed = parseSpec(specText, 'skiff.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const releases = exportWorkloads({
    spec: parsed.spec,
    environment: 'cluster',
    registry: '127.0.0.1:5000/skiff',
    releases: [
      { service: 'price', release: 'v1', digest, secrets: {} },
      { service: 'always', release: 'v4', digest, secrets: {} },
    ],
  });
  return environmentManifests({ environment: 'cluster', namespace: 'skiff-cluster', settings: { serviceType: 'LoadBalancer' }, releases, routerImage: '127.0.0.1:5000/skiff/skiff-router:0.1.0' });
}

describe('the manifests of a function release', () => {
  const objects = manifests();
  const deployment = (name: string) => objects.find((object) => object.kind === 'Deployment' && object.metadata?.name === name) as Deployment;

  it('run the function runtime of the image on the handler, with its timeout, concurrency and memory, valid against the official schema', () => {
    const price = deployment('price-v1');
    new Deployment(price).validate();
    const container = price.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe(`127.0.0.1:5000/skiff/price@${digest}`);
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(['src/price.mjs', '--timeout-ms', '5000', '--concurrency', '20']);
    expect(container.resources).toEqual({ limits: { memory: '64Mi' }, requests: { memory: '64Mi' } });
    // No readiness written: the runtime's /health, so held requests wait for a runtime that serves.
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    expect(deployment('always-v4').spec!.template.spec!.containers[0]!.readinessProbe).toMatchObject({ httpGet: { path: '/ready' }, periodSeconds: 2 });
  });

  it('start a function that scales to zero at 0 replicas; others at their instances', () => {
    expect(deployment('price-v1').spec!.replicas).toBe(0);
    expect(deployment('always-v4').spec!.replicas).toBe(2);
  });

  it("mark the route of a function that scales to zero `wake` in the router's table, so the router holds its requests and asks for an instance", () => {
    const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata?.name === 'skiff-router-routes') as ConfigMap;
    new ConfigMap(configMap).validate();
    const table = JSON.parse(Object.values(configMap.data ?? {})[0] ?? '{}') as RouteTable;
    expect(table.routes.find((route) => route.service === 'price')).toMatchObject({ pathPrefix: '/price', wake: true });
    expect(table.routes.find((route) => route.service === 'always')?.wake).toBeUndefined();
  });
});
