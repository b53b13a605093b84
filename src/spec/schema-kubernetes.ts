/** The spec of an environment run by the `kubernetes` provider: where the cluster is and how Skiff lays out its objects. */
import { z } from 'zod';
import { isRecordLike } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

/** A DNS-1123 label, as Kubernetes wants namespace and context-independent object names. */
const dnsLabelSchema = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and dashes, at most 63, starting and ending with a letter or digit');

export const kubernetesSchema = z
  .strictObject({
    context: z.string().min(1).optional().describe('the kubeconfig context to use (default: the current context)'),
    kubeconfig: z.string().min(1).optional().describe('the kubeconfig file, relative to the spec file (default: KUBECONFIG or ~/.kube/config)'),
    namespace: dnsLabelSchema.optional().describe('the namespace Skiff runs the environment in (default: skiff-<environment>)'),
    serviceType: z
      .enum(['LoadBalancer', 'NodePort'])
      .default('LoadBalancer')
      .describe("the type of the Kubernetes Service in front of Skiff's router"),
    gateway: z
      .enum(['httproute'])
      .optional()
      .describe("also write a Gateway API HTTPRoute with per-release weights, for clusters that already run a gateway"),
    routerAccess: z
      .enum(['proxy', 'direct'])
      .optional()
      .describe(
        "how the control plane reaches the admin ports of Skiff's routers in the cluster: `proxy` (the default) through the API server's pods/proxy, from anywhere the API server is reachable; `direct` at the pod IPs, when the control plane runs in the pod network",
      ),
    registryCredentials: z
      .strictObject({
        username: z.string().min(1).describe('the user Skiff pushes as and the pods pull as'),
        passwordEnv: z
          .string()
          .regex(/^SKIFF_REGISTRY_[A-Z0-9_]+$/, 'an environment variable name starting with SKIFF_REGISTRY_')
          .describe('the environment variable of `skiff up` holding the password or token (never written in the spec)'),
      })
      .optional()
      .describe("for a `registry:` that asks for credentials: Skiff pushes with them and applies them as the pods' image pull Secret `skiff-registry`"),
    analysisSource: z
      .strictObject({
        prometheus: z.url({ protocol: /^https?$/ }).describe('the Prometheus server canary analyses query'),
      })
      .optional()
      .describe("where analyses read metrics when traffic does not pass Skiff's router (`gateway: httproute`)"),
  })
  .describe('where the cluster is and how Skiff lays out its objects (provider: kubernetes only)');

export const registrySchema = z
  .string()
  .regex(
    /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/,
    'must be a registry host with an optional port and path, e.g. 127.0.0.1:5000/skiff or ghcr.io/acme',
  )
  .describe('the OCI registry images are pushed to and pulled from by digest, e.g. 127.0.0.1:5000/skiff (required for provider: kubernetes)');

export type KubernetesSpec = z.output<typeof kubernetesSchema>;

/** The Kubernetes settings of an environment, with the defaults it gets when it has none. */
export function kubernetesSettings(spec: KubernetesSpec | undefined): KubernetesSpec {
  return spec ?? { serviceType: 'LoadBalancer' };
}

/** How the control plane reaches the routers' admin ports: `proxy` unless the environment says `direct`. */
export function routerAccessOf(spec: KubernetesSpec | undefined): 'proxy' | 'direct' {
  return spec?.routerAccess ?? 'proxy';
}

/** The namespace of an environment: the one it names, or `skiff-<environment>`. */
export function kubernetesNamespace(environment: string, spec: KubernetesSpec | undefined): string {
  return spec?.namespace ?? `skiff-${environment}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * The cross-field rules of a Kubernetes environment: a registry is required, and `kubernetes:` or
 * `registry:` on another provider would be silently unused. Runs on raw input (any shape).
 */
export function checkKubernetesEnvironment(raw: unknown, ctx: z.RefinementCtx): void {
  if (!isRecordLike(raw)) return;
  const provider = raw.provider ?? 'local';
  if (provider === 'kubernetes') {
    if (raw.registry === undefined) {
      // Reported as the missing key it is; the field's description gives the hint.
      ctx.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: ['registry'], message: 'missing registry' });
    }
    return;
  }
  for (const key of ['kubernetes', 'registry'] as const) {
    if (raw[key] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `\`${key}\` is used only by environments with \`provider: kubernetes\` (this one is \`${String(provider)}\`)`,
      params: { hint: `add \`provider: kubernetes\` to run this environment on a cluster, or remove \`${key}\`` } satisfies SpecIssueParams,
    });
  }
}
