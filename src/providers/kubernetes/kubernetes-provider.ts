/**
 * The `kubernetes` provider, not built yet: an environment with `provider: kubernetes` is refused
 * when it would start, before anything of it runs. Its manifests can be written already, with
 * `skiff export ENV --format kubernetes`.
 */
import { SkiffError } from '../../core/errors.js';
import type { ProviderFactory } from '../../reconcile/provider.js';

export function createKubernetesProvider(): ProviderFactory {
  return (context) => {
    throw new SkiffError(
      'SKIFF_NOT_SUPPORTED',
      `environment ${context.environment}: the Kubernetes provider cannot run environments yet`,
      {
        path: `environments.${context.environment}.provider`,
        hint: `write its manifests with \`skiff export ${context.environment} --format kubernetes\` and apply them with kubectl or a GitOps tool, or run the environment with \`provider: local\``,
      },
    );
  };
}
