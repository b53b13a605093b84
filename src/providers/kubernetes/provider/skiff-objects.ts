/**
 * The objects Skiff made in an environment's namespace, found by its labels
 * (`app.kubernetes.io/managed-by: skiff`, `skiff.dev/environment`): anything else is never touched.
 */
import { kubeResources, type KubeClient, type KubeObject, type ResourceType } from '../client/index.js';
import { environmentSelector } from './pod-view.js';
import type { PruneInput, PrunePlan } from './prune-plan.js';

/** What the provider creates, in the order it deletes them: Deployments first, so no pod restarts for want of its ConfigMap. */
const createdKinds: readonly ResourceType[] = [kubeResources.Deployment, kubeResources.PodDisruptionBudget, kubeResources.Service, kubeResources.Secret, kubeResources.ConfigMap];

export class SkiffObjects {
  constructor(
    private readonly client: KubeClient,
    private readonly environment: string,
  ) {}

  async deployments(): Promise<readonly KubeObject[]> {
    return (await this.client.listAll(kubeResources.Deployment, { labelSelector: environmentSelector(this.environment) })).items;
  }

  /** Lists Skiff's Deployments, Secrets, Services and ConfigMaps of the environment, deletes what `plan` names of them, and returns `Kind/name` of each deleted. */
  async prune(plan: (found: Omit<PruneInput, 'pods' | 'wanted' | 'busyServices' | 'keep'>) => PrunePlan): Promise<string[]> {
    const list = async (type: ResourceType): Promise<readonly KubeObject[]> => (await this.client.listAll(type, { labelSelector: environmentSelector(this.environment) })).items;
    const chosen = plan({
      deployments: await list(kubeResources.Deployment),
      secrets: await list(kubeResources.Secret),
      services: await list(kubeResources.Service),
      configMaps: await list(kubeResources.ConfigMap),
    });
    const deleted: string[] = [];
    // Deployments first, so no pod restarts for want of its ConfigMap or Secret.
    for (const [type, names] of [
      [kubeResources.Deployment, chosen.deployments],
      [kubeResources.Secret, chosen.secrets],
      [kubeResources.Service, chosen.services],
      [kubeResources.ConfigMap, chosen.configMaps],
    ] as const) {
      for (const name of names) {
        if (await this.client.delete(type, name, { propagationPolicy: 'Background' })) deleted.push(`${type.kind}/${name}`);
      }
    }
    return deleted;
  }

  async deleteAll(): Promise<void> {
    for (const type of createdKinds) {
      const { items } = await this.client.listAll(type, { labelSelector: environmentSelector(this.environment) });
      for (const object of items) await this.client.delete(type, object.metadata.name, { propagationPolicy: 'Background' });
    }
  }
}
