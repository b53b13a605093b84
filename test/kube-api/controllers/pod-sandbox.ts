/**
 * What the kubelet gives a pod's containers besides their image (docker mode): its volumes
 * (emptyDir, configMap) as directories on this machine bind-mounted into each container that
 * mounts them (a persistentVolumeClaim as its claim's Docker volume, see claim-volumes.ts), the service account's token, CA and namespace at
 * /var/run/secrets/kubernetes.io/serviceaccount with KUBERNETES_SERVICE_HOST/PORT (the API
 * server on 127.0.0.1), and `$(VAR)` references in command and args expanded from the
 * container's environment.
 *
 * The API server and the other pods' addresses are on this machine's loopback, which a container
 * in its own network namespace cannot reach: a pod that must talk to them (Skiff's router) is
 * chosen by the fake's `hostNetworkPods` selector and runs in the host's network namespace,
 * listening on its own 127.X.Y.Z pod IP.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { typeOfKind } from '../resources.js';
import { matchesRequirements, parseLabelSelector } from '../selectors.js';
import type { KubeObject, ObjectStore } from '../store.js';

type JsonObject = Record<string, unknown>;

const CONFIGMAPS = typeOfKind('ConfigMap');
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How a pod reaches the API server: what its service account token and environment say. */
export interface ApiServerAccess {
  readonly port: number;
  readonly token: string;
  readonly caCertificate: string;
}

export interface PodSandboxOptions {
  /** Where pods' volumes live on this machine (one folder per pod uid). */
  readonly dataDir: string;
  /** Label selector of the pods run in the host's network namespace (none when unset). */
  readonly hostNetworkPods?: string;
  readonly apiServer: () => ApiServerAccess;
}

export class PodSandbox {
  readonly hostNetwork: boolean;
  private readonly dir: string;
  /** The Docker volume of each of the pod's persistentVolumeClaim volumes, by volume name. */
  private readonly claimVolumes = new Map<string, string>();

  constructor(
    private readonly pod: KubeObject,
    private readonly store: ObjectStore,
    private readonly options: PodSandboxOptions,
  ) {
    const selector = options.hostNetworkPods;
    const labels = pod.metadata.labels ?? {};
    this.hostNetwork = Boolean((pod.spec as JsonObject).hostNetwork) || (selector !== undefined && matchesRequirements(parseLabelSelector(selector), (key) => labels[key]));
    this.dir = path.join(options.dataDir, 'pods', pod.metadata.uid ?? pod.metadata.name);
  }

  /** Writes the pod's volumes (a configMap volume as the ConfigMap is now; the kubelet would update it later). */
  prepare(): void {
    const spec = this.pod.spec as JsonObject;
    for (const volume of (spec.volumes ?? []) as JsonObject[]) {
      if (volume.persistentVolumeClaim) continue;
      const where = this.volumeDir(String(volume.name));
      mkdirSync(where, { recursive: true });
      // Containers run as any user (Skiff's base image: 1000): an emptyDir is theirs to write.
      if (volume.emptyDir) chmodSync(where, 0o777);
      const configMap = volume.configMap as { name?: string } | undefined;
      if (configMap?.name) {
        const data = (this.store.get(CONFIGMAPS, this.pod.metadata.namespace, configMap.name)?.data ?? {}) as Record<string, string>;
        for (const [key, value] of Object.entries(data)) writeFileSync(path.join(where, key), value, { mode: 0o644 });
      }
    }
    if (this.mountsServiceAccount()) {
      const where = this.volumeDir('.service-account');
      mkdirSync(where, { recursive: true });
      const access = this.options.apiServer();
      writeFileSync(path.join(where, 'token'), access.token, { mode: 0o644 });
      writeFileSync(path.join(where, 'ca.crt'), access.caCertificate, { mode: 0o644 });
      writeFileSync(path.join(where, 'namespace'), this.pod.metadata.namespace ?? 'default', { mode: 0o644 });
    }
  }

  /** Mounts the claim's Docker volume (claim-volumes.ts) where the pod's volume `name` is mounted. */
  useClaimVolume(name: string, dockerVolume: string): void {
    this.claimVolumes.set(name, dockerVolume);
  }

  /** The container's `Binds`: its volumeMounts (a claim's Docker volume, or a directory) and the service account. */
  binds(container: JsonObject): string[] {
    const source = (name: string): string => this.claimVolumes.get(name) ?? this.volumeDir(name);
    const mounts = ((container.volumeMounts ?? []) as JsonObject[]).map((mount) => `${source(String(mount.name))}:${String(mount.mountPath)}${mount.readOnly ? ':ro' : ''}`);
    return this.mountsServiceAccount() ? [...mounts, `${this.volumeDir('.service-account')}:${SERVICE_ACCOUNT_DIR}:ro`] : mounts;
  }

  /** What the kubelet adds to every container's environment: where the API server is. */
  serviceEnv(): string[] {
    return ['KUBERNETES_SERVICE_HOST=127.0.0.1', `KUBERNETES_SERVICE_PORT=${this.options.apiServer().port}`];
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private mountsServiceAccount(): boolean {
    return (this.pod.spec as JsonObject).automountServiceAccountToken !== false;
  }

  private volumeDir(name: string): string {
    return path.join(this.dir, 'volumes', name);
  }
}

/** `$(VAR)` in a command or its args, from the container's environment; an unknown name stays as written, `$$` is a `$`. */
export function expandReferences(values: readonly string[], env: readonly string[]): string[] {
  const vars = new Map(env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const));
  return values.map((value) => value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => (name === undefined ? '$' : (vars.get(name) ?? match))));
}
