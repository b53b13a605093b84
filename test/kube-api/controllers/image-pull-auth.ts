/**
 * How the kubelet authenticates a pull: with the credentials of the pod's `imagePullSecrets`
 * (kubernetes.io/dockerconfigjson Secrets) for the image's registry host. And, because the fake's
 * node is the very engine that built and pushed the images, whether the registry asks for
 * credentials at all: then an image already on the engine is pulled again with the pod's
 * credentials (as a node that never had it would), so a missing or wrong pull Secret is
 * ErrImagePull / ImagePullBackOff as in a real cluster.
 */
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const SECRETS = typeOfKind('Secret');

export interface PullAuth {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

/** `127.0.0.1:5000` of `127.0.0.1:5000/skiff/web@sha256:…`; undefined for an image of Docker Hub or the engine alone. */
export function imageRegistryHost(image: string): string | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/** The credentials for `host` in the pod's pull Secrets (the first that has them), as the engine takes them. */
export function podPullAuth(store: ObjectStore, pod: KubeObject, host: string): PullAuth | undefined {
  const namespace = pod.metadata.namespace ?? 'default';
  const names = (((pod.spec as Record<string, unknown>).imagePullSecrets ?? []) as { name?: string }[]).map((reference) => reference.name ?? '');
  for (const name of names) {
    const secret = store.get(SECRETS, namespace, name);
    if (secret?.type !== 'kubernetes.io/dockerconfigjson') continue;
    const encoded = (secret.data as Record<string, string> | undefined)?.['.dockerconfigjson'];
    if (encoded === undefined) continue;
    let config: { auths?: Record<string, { username?: string; password?: string; auth?: string }> };
    try {
      config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as typeof config;
    } catch {
      continue;
    }
    const entry = config.auths?.[host];
    if (entry === undefined) continue;
    const [username, password] = entry.username !== undefined ? [entry.username, entry.password ?? ''] : splitAuth(entry.auth ?? '');
    return { username, password, serveraddress: host };
  }
  return undefined;
}

function splitAuth(auth: string): [string, string] {
  const plain = Buffer.from(auth, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return colon < 0 ? [plain, ''] : [plain.slice(0, colon), plain.slice(colon + 1)];
}

/** Whether each registry host asks for credentials (an anonymous `GET /v2/` is 401), asked once per host. */
export class RegistryChallenges {
  private readonly known = new Map<string, Promise<boolean>>();

  asks(host: string): Promise<boolean> {
    let answer = this.known.get(host);
    if (answer === undefined) {
      answer = fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.status === 401,
        () => false,
      );
      this.known.set(host, answer);
    }
    return answer;
  }
}
