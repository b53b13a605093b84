/** The Kubernetes API client the kubernetes provider is built on. */
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { Informer, type InformerEvent, type InformerOptions, type InformerProblem, type InformerStats } from './informer.js';
export {
  KubeClient,
  SKIFF_FIELD_MANAGER,
  type ApplyOptions,
  type DeleteOptions,
  type InNamespace,
  type KubeClientOptions,
  type ListOptions,
  type LogOptions,
  type PodProxyRequest,
  type PropagationPolicy,
  type WatchOptions,
} from './kube-client.js';
export { errorFromStatus, type KubeStatus, type RequestContext } from './kube-errors.js';
export { objectKey, type KubeList, type KubeObject, type ObjectMeta, type Scale, type WatchEvent } from './kube-objects.js';
export { inClusterConnection, serviceAccountDir, type InClusterEnvironment } from './in-cluster.js';
export { kubeconfigFiles, loadKubeconfig, type KubeConnection, type KubeCredentials, type KubeconfigChoice, type KubeconfigDefaults } from './kubeconfig.js';
export { apiVersionOf, kubeResources, qualifiedName, resourceOfObject, type KubeKind, type ResourceType } from './resources.js';
