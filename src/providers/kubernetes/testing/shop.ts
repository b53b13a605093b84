/** The example shop with a Kubernetes environment, for manifest tests and golden files. */
import { readFileSync } from 'node:fs';
import { parseSpec } from '../../../spec/parse.js';
import type { Spec } from '../../../spec/schema.js';
import type { ExportedRelease } from '../export-workloads.js';

const shopFile = new URL('../../../../examples/shop/skiff.yaml', import.meta.url);

/** `cluster`: a kubernetes environment of the shop with production's overrides and a gateway. */
export const shopKubernetesEnvironment = `
  cluster:
    provider: kubernetes
    registry: 127.0.0.1:5000/skiff
    kubernetes:
      serviceType: NodePort
      gateway: httproute
      analysisSource: { prometheus: "http://prometheus.monitoring:9090" }
    services:
      catalog:
        instances: 3
        env: { LOG_LEVEL: warn, DATA_DIR: /data, FEATURE_X: "on" }
        resources: { memory: 192Mi, cpu: 1 }
      orders:
        instances: 2
        env: { LOG_LEVEL: warn }
`;

/** Scheduled jobs of the shop: a nightly report (a CronJob), and one on a seconds schedule, which has no CronJob form. */
export const shopJobs = `
jobs:
  nightly-report:
    service: orders
    command: [node, report.mjs, --yesterday]
    schedule: "0 3 * * *"
    timezone: Europe/Berlin
    retries: 2
    timeout: 10m
    startingDeadline: 1h
    environments: [cluster]
  heartbeat:
    service: catalog
    command: [node, heartbeat.mjs]
    schedule: "*/10 * * * * *"
    concurrency: replace
`;

export function shopSpecText(): string {
  return `${readFileSync(shopFile, 'utf8').trimEnd()}\n${shopKubernetesEnvironment}${shopJobs}`;
}

export function shopSpec(): Spec {
  const result = parseSpec(shopSpecText(), 'examples/shop/skiff.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.spec;
}

const digest = (seed: string): string => `sha256:${seed.repeat(64).slice(0, 64)}`;

/** Each shop service's current release in `cluster`; web is mid-canary between v3 and v4. */
export const shopReleases: readonly ExportedRelease[] = [
  { service: 'catalog', release: 'v7', digest: digest('c7'), secrets: {} },
  { service: 'orders', release: 'v2', digest: digest('02'), secrets: { PAYMENT_TOKEN: '<set with skiff secret set>' } },
  { service: 'reviews', release: 'v1', digest: digest('a1'), secrets: {} },
  { service: 'web', release: 'v3', digest: digest('b3'), secrets: {} },
  { service: 'web', release: 'v4', digest: digest('b4'), secrets: {} },
];

export const shopWeights: ReadonlyMap<string, Readonly<Record<string, number>>> = new Map([['web', { v3: 90, v4: 10 }]]);
