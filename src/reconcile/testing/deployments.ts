/** For tests: desired services and deployments without a spec file. */
import type { ObservedInstance } from '../../core/instance.js';
import { defaultParallel, defaultStrategy, strategySchema } from '../../spec/schema.js';
import type { DesiredService } from '../../spec/desired.js';
import type { StrategySpec } from '../../spec/schema.js';
import type { Deployment } from '../deployment.js';
import { newDeployment } from '../deployment.js';

export function desiredService(release: string, configHash = `hash-${release}`, extra: Partial<DesiredService> = {}): DesiredService {
  return {
    name: 'web',
    environment: 'dev',
    release,
    artifact: null,
    directory: '/srv/web',
    driver: 'process',
    command: ['node', 'server.js'],
    image: null,
    imageBuild: null,
    function: null,
    releaseCommand: null,
    volumes: [],
    env: { VERSION: release },
    secrets: {},
    instances: 2,
    autoscale: null,
    readiness: undefined,
    liveness: undefined,
    resources: {},
    routes: [{ path: '/web', stripPrefix: true, retryMethods: ['GET'] }],
    balance: 'least-request',
    stopGraceMs: 1000,
    configHash,
    strategy: defaultStrategy,
    parallel: defaultParallel,
    ...extra,
  };
}

export function strategy(value: Record<string, unknown>): StrategySpec {
  return strategySchema.parse(value);
}

export function deployment(options: { strategy?: StrategySpec; now?: number; id?: number } = {}): Deployment {
  const now = options.now ?? 1_000_000;
  return {
    id: options.id ?? 1,
    ...newDeployment({
      environment: 'dev',
      service: 'web',
      stable: desiredService('v1'),
      next: desiredService('v2'),
      strategy: options.strategy ?? defaultStrategy,
      analyses: {},
      trigger: 'deploy',
      author: 'ana',
      now,
    }),
  };
}

/** An instance of the release as a provider reports it: ready, with an address, unless `extra` says otherwise. */
export function observedInstance(release: DesiredService, extra: Partial<ObservedInstance> & Pick<ObservedInstance, 'id' | 'ordinal'>): ObservedInstance {
  return {
    environment: release.environment,
    service: release.name,
    release: release.release ?? 'none',
    configHash: release.configHash,
    state: 'ready',
    reason: null,
    restarts: 0,
    nextStartAt: null,
    startedAt: null,
    address: { host: '127.0.0.1', port: 4000 + extra.ordinal },
    ...extra,
  };
}
