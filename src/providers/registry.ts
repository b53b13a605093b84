/** The providers by kind. Adding a ProviderKind to the spec is a compile error here until it is wired. */
import type { ProviderFactory } from '../reconcile/provider.js';
import type { ProviderKind } from '../spec/schema.js';
import { createFakeProvider } from './fake/fake-provider.js';
import { createKubernetesProvider } from './kubernetes/kubernetes-provider.js';
import { createLocalProvider } from './local/local-provider.js';
import type { LocalProviderDeps } from './local/local-provider.js';

export type ProviderFactories = Readonly<Record<ProviderKind, ProviderFactory>>;

export function createProviderFactories(deps: LocalProviderDeps): ProviderFactories {
  return {
    local: createLocalProvider(deps),
    fake: createFakeProvider({ clock: deps.clock, random: deps.random }),
    kubernetes: createKubernetesProvider(),
  } satisfies Record<ProviderKind, ProviderFactory>;
}
