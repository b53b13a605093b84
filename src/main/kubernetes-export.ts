/**
 * `skiff export ENV --format kubernetes`, past the command line: the environment's releases as
 * Kubernetes manifests, one stream or one file per object. Loaded only by that command.
 */
import { exportableJobs } from '../providers/kubernetes/export-jobs.js';
import { exportWorkloads } from '../providers/kubernetes/export-workloads.js';
import type { ExportedRelease } from '../providers/kubernetes/export-workloads.js';
import { manifestFiles, manifestStream } from '../providers/kubernetes/manifest-files.js';
import type { ManifestFile } from '../providers/kubernetes/manifest-files.js';
import { environmentManifests } from '../providers/kubernetes/manifests/index.js';
import { registryHost } from '../providers/kubernetes/images/registry-auth.js';
import { kubernetesNamespace, kubernetesSettings } from '../spec/schema-kubernetes.js';
import type { Spec } from '../spec/schema.js';

export type { ExportedRelease, ManifestFile };

export interface KubernetesExport {
  readonly stream: string;
  readonly files: readonly ManifestFile[];
  readonly namespace: string;
  /** What was left out and why (scheduled jobs a CronJob cannot express). */
  readonly warnings: readonly string[];
}

export function exportKubernetes(options: {
  readonly spec: Spec;
  readonly environment: string;
  /** The registry of a kubernetes environment (the spec requires one). */
  readonly registry: string;
  readonly releases: readonly ExportedRelease[];
  readonly routerImage: string;
}): KubernetesExport {
  const environment = options.spec.environments[options.environment];
  const namespace = kubernetesNamespace(options.environment, environment?.kubernetes);
  const { jobs, warnings } = exportableJobs(options.spec, options.environment, new Set(options.releases.map((release) => release.service)));
  const credentials = environment?.kubernetes?.registryCredentials;
  const objects = environmentManifests({
    environment: options.environment,
    namespace,
    settings: kubernetesSettings(environment?.kubernetes),
    releases: exportWorkloads({ spec: options.spec, environment: options.environment, registry: options.registry, releases: options.releases }),
    routerImage: options.routerImage,
    jobs,
    // The password stays out of the files, as the releases' secret values do.
    ...(credentials ? { registryLogin: { host: registryHost(options.registry), username: credentials.username, password: `<${credentials.passwordEnv}: set in the cluster>` } } : {}),
  });
  return { stream: manifestStream(objects), files: manifestFiles(objects), namespace, warnings };
}
