/**
 * The objects Skiff made in an environment's namespace, found by its labels
 * (`app.kubernetes.io/managed-by: skiff`, `skiff.dev/environment`): anything else is never touched.
 */
import { kubeResources, type KubeClient, type KubeObject, type ResourceType } from '../client/index.js';
import { environmentSelector } from './pod-view.js';

/** What the provider creates, in the order it deletes them: Deployments first, so no pod restarts for want of its ConfigMap. */
const createdKinds: readonly ResourceType[] = [kubeResources.Deployment, kubeResources.Service, kubeResources.Secret, kubeResources.ConfigMap];

export class SkiffObjects {
  constructor(
    private readonly client: KubeClient,
    private readonly environment: string,
  ) {}

  async deployments(): Promise<readonly KubeObject[]> {
    return (await this.client.listAll(kubeResources.Deployment, { labelSelector: environmentSelector(this.environment) })).items;
  }

  async deleteAll(): Promise<void> {
    for (const type of createdKinds) {
      const { items } = await this.client.listAll(type, { labelSelector: environmentSelector(this.environment) });
      for (const object of items) await this.client.delete(type, object.metadata.name, { propagationPolicy: 'Background' });
    }
  }
}
