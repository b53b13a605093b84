/** The providers by kind. Adding a ProviderKind to the spec is a compile error here until it is wired. */
import type { ProviderFactory } from '../reconcile/provider.js';
import type { ProviderKind } from '../spec/schema.js';
import { createFakeProvider } from './fake/fake-provider.js';
import { createKubernetesProvider } from './kubernetes/kubernetes-provider.js';
import type { KubernetesProviderFactoryDeps } from './kubernetes/kubernetes-provider.js';
import { createLocalProvider } from './local/local-provider.js';
import type { LocalProviderDeps } from './local/local-provider.js';

export type ProviderFactories = Readonly<Record<ProviderKind, ProviderFactory>>;

export interface ProviderDeps extends LocalProviderDeps {
  /** What only the kubernetes provider needs (the clock and secrets are the shared ones). */
  readonly kubernetes: Omit<KubernetesProviderFactoryDeps, 'clock' | 'secretEnv' | 'dataDir'>;
}

export function createProviderFactories(deps: ProviderDeps): ProviderFactories {
  return {
    local: createLocalProvider(deps),
    fake: createFakeProvider({ clock: deps.clock, random: deps.random }),
    kubernetes: createKubernetesProvider({ ...deps.kubernetes, dataDir: deps.dataDir, clock: deps.clock, secretEnv: deps.secretEnv }),
  } satisfies Record<ProviderKind, ProviderFactory>;
}
