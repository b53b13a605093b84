/**
 * Every object of one environment, in the order they can be applied: the namespace, RBAC, config
 * maps, secrets, volume claims, deployments, services, the disruption budget, HTTPRoutes, CronJobs.
 * Pure and deterministic.
 */
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { envConfigMap, routeTableConfigMap } from './config-maps.js';
import { httpRoute } from './http-route.js';
import type { EnvironmentManifestInput, ReleaseWorkload } from './input.js';
import { namespaceObject } from './namespace.js';
import { controlPlaneRole, controlPlaneRoleBinding, controlPlaneServiceAccount, routerRole, routerRoleBinding, routerServiceAccount } from './rbac.js';
import { releaseDeployment } from './release-deployment.js';
import { releaseService } from './release-service.js';
import { exportRouteTable } from './route-table.js';
import { routerDeployment, routerDisruptionBudget, routerService } from './router.js';
import { registryPullSecret } from './registry-secret.js';
import { releaseSecret } from './secret.js';
import { volumeClaims } from './volume-claims.js';
import { scheduledCronJob } from './cron-job.js';

export type KubernetesObject =
  | INamespace
  | IServiceAccount
  | IRole
  | IRoleBinding
  | IConfigMap
  | ISecret
  | IPersistentVolumeClaim
  | IDeployment
  | IService
  | IPodDisruptionBudget
  | IHTTPRoute
  | ICronJob;

function byName<T extends { metadata?: { name?: string } }>(objects: readonly T[]): T[] {
  const seen = new Set<string>();
  return objects
    .filter((object) => {
      const name = object.metadata?.name ?? '';
      // Releases with the same variables share their ConfigMap.
      if (seen.has(name)) return false;
      seen.add(name);
      return true;
    })
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
}

function releasesByService(releases: readonly ReleaseWorkload[]): Map<string, ReleaseWorkload[]> {
  const grouped = new Map<string, ReleaseWorkload[]>();
  for (const workload of releases) grouped.set(workload.service.name, [...(grouped.get(workload.service.name) ?? []), workload]);
  return new Map([...grouped].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function environmentManifests(input: Omit<EnvironmentManifestInput, 'routeTable'> & Partial<Pick<EnvironmentManifestInput, 'routeTable'>>): KubernetesObject[] {
  const { environment, namespace, settings, releases } = input;
  const routeTable = input.routeTable ?? exportRouteTable({ environment, namespace, releases, ...(input.weights ? { weights: input.weights } : {}) });
  const secrets = releases.map((workload) => releaseSecret(environment, namespace, workload)).filter((secret): secret is ISecret => secret !== null);
  const routes =
    settings.gateway === 'httproute'
      ? [...releasesByService(releases)].flatMap(([service, serviceReleases]) =>
          (serviceReleases[0]?.service.routes ?? []).map((route, index) =>
            httpRoute({ environment, namespace, service, index, route, releases: serviceReleases, weights: input.weights?.get(service) }),
          ),
        )
      : [];
  const byService = releasesByService(releases);
  // A job runs with its service's first release given (the stable one during a canary).
  const cronJobs = (input.jobs ?? []).flatMap(({ name, job }) => {
    const workload = byService.get(job.service)?.[0];
    return workload ? [scheduledCronJob(environment, namespace, name, job, { ...workload, pullSecret: input.registryLogin !== undefined })] : [];
  });
  return [
    namespaceObject(environment, namespace),
    controlPlaneServiceAccount(environment, namespace),
    routerServiceAccount(environment, namespace),
    controlPlaneRole(environment, namespace, settings),
    routerRole(environment, namespace),
    controlPlaneRoleBinding(environment, namespace),
    routerRoleBinding(environment, namespace),
    routeTableConfigMap(environment, namespace, routeTable),
    ...byName(releases.map((workload) => envConfigMap(environment, namespace, workload))),
    ...(input.registryLogin ? [registryPullSecret(environment, namespace, input.registryLogin)] : []),
    ...byName(secrets),
    // Before the Deployments that mount them; one per service whatever its releases.
    ...byName([...releasesByService(releases).values()].flatMap((serviceReleases) => (serviceReleases[0] ? volumeClaims(environment, namespace, serviceReleases[0].service) : []))),
    routerDeployment(environment, namespace, input.routerImage, input.registryLogin !== undefined),
    ...byName(releases.map((workload) => releaseDeployment(environment, namespace, { ...workload, pullSecret: input.registryLogin !== undefined }))),
    routerService(environment, namespace, settings),
    ...byName(releases.map((workload) => releaseService(environment, namespace, workload))),
    routerDisruptionBudget(environment, namespace),
    ...routes,
    ...byName(cronJobs),
  ];
}
