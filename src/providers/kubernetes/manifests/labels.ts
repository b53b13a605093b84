/** The labels every object Skiff writes carries: the provider finds (and prunes) its own objects by them. */
export const managedBy = { 'app.kubernetes.io/managed-by': 'skiff' } as const;

export function environmentLabels(environment: string): Record<string, string> {
  return { ...managedBy, 'skiff.dev/environment': environment };
}

/** The labels of one release's objects and pods; `releaseSelector` is the part that selects its pods. */
export function releaseLabels(environment: string, service: string, release: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service, ...environmentLabels(environment), 'skiff.dev/release': release };
}

export function releaseSelector(service: string, release: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service, 'skiff.dev/release': release };
}

export function routerLabels(environment: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'skiff-router', 'app.kubernetes.io/component': 'router', ...environmentLabels(environment) };
}

export const routerSelector = { 'app.kubernetes.io/name': 'skiff-router', 'app.kubernetes.io/component': 'router' } as const;
