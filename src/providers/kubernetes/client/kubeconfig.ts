/**
 * Turns a kubeconfig context into what the client needs to reach the cluster: the server, how to
 * trust it, the credentials and the context's namespace. Exec plugins and auth providers are not
 * run (they would make Skiff depend on cloud CLIs being installed); they are reported instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kubeconfigError, readKubeconfigFiles, type ClusterEntry, type MergedKubeconfig, type Sourced, type UserEntry } from './kubeconfig-file.js';

/** What an environment says (`kubernetes: { kubeconfig, context }`); both optional. */
export interface KubeconfigChoice {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Where kubectl would look when the environment names no file: $KUBECONFIG, else ~/.kube/config. */
export interface KubeconfigDefaults {
  readonly KUBECONFIG?: string;
  readonly homeDir: string;
}

export type KubeCredentials =
  | { readonly kind: 'token'; readonly token: string }
  /** Read again for every request: projected service-account tokens rotate. */
  | { readonly kind: 'token-file'; readonly path: string }
  | { readonly kind: 'client-certificate'; readonly certificate: string; readonly key: string }
  | { readonly kind: 'none' };

export interface KubeConnection {
  /** `https://host:port`, without a trailing slash. */
  readonly server: string;
  /** PEM of the CA that signs the server's certificate; the system's CAs when unset. */
  readonly certificateAuthority?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly credentials: KubeCredentials;
  /** The context's namespace, when it sets one. */
  readonly namespace?: string;
  /** For messages: which file(s), context and user this came from. */
  readonly kubeconfigPath: string;
  readonly contextName: string;
  readonly userName: string;
}

export function kubeconfigFiles(choice: KubeconfigChoice, defaults: KubeconfigDefaults): string[] {
  if (choice.kubeconfig) return [path.resolve(choice.kubeconfig)];
  const fromEnv = (defaults.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
  return fromEnv.length > 0 ? fromEnv.map((f) => path.resolve(f)) : [path.join(defaults.homeDir, '.kube', 'config')];
}

export function loadKubeconfig(choice: KubeconfigChoice, defaults: KubeconfigDefaults): KubeConnection {
  return resolveContext(readKubeconfigFiles(kubeconfigFiles(choice, defaults)), choice.context);
}

function resolveContext(config: MergedKubeconfig, chosen: string | undefined): KubeConnection {
  const contextName = chosen ?? config.currentContext;
  if (contextName === undefined) {
    throw kubeconfigError(`the kubeconfig ${config.files} sets no current-context`, {
      path: 'current-context',
      hint: `name one in the environment's kubernetes.context (${listed(config.contexts)}), or run \`kubectl config use-context NAME\``,
    });
  }
  const context = config.contexts.get(contextName);
  if (!context) {
    throw kubeconfigError(`the kubeconfig ${config.files} has no context "${contextName}"`, {
      path: chosen === undefined ? 'current-context' : 'kubernetes.context',
      hint: `use one of its contexts (${listed(config.contexts)}); \`kubectl config get-contexts\` lists them`,
    });
  }
  const field = `contexts[${contextName}].context`;
  const clusterName = context.value.cluster;
  const cluster = clusterName === undefined ? undefined : config.clusters.get(clusterName);
  if (clusterName === undefined || !cluster) {
    throw kubeconfigError(
      clusterName === undefined ? `context "${contextName}" in ${context.file} names no cluster` : `context "${contextName}" names cluster "${clusterName}", which ${config.files} does not define`,
      { path: `${field}.cluster`, hint: `add the cluster to the kubeconfig or name one it has (${listed(config.clusters)})` },
    );
  }
  const userName = context.value.user;
  const user = userName === undefined ? undefined : config.users.get(userName);
  if (userName !== undefined && !user) {
    throw kubeconfigError(`context "${contextName}" names user "${userName}", which ${config.files} does not define`, {
      path: `${field}.user`,
      hint: `add the user to the kubeconfig or name one it has (${listed(config.users)})`,
    });
  }
  const trust = clusterTrust(clusterName, cluster);
  return {
    ...trust,
    credentials: user && userName !== undefined ? credentials(userName, user) : { kind: 'none' },
    ...(context.value.namespace ? { namespace: context.value.namespace } : {}),
    kubeconfigPath: config.files,
    contextName,
    userName: userName ?? '(none)',
  };
}

const listed = (entries: ReadonlyMap<string, unknown>): string => (entries.size === 0 ? 'it defines none' : [...entries.keys()].join(', '));

function clusterTrust(name: string, { file, value }: Sourced<ClusterEntry>): Pick<KubeConnection, 'server' | 'certificateAuthority' | 'insecureSkipTlsVerify' | 'tlsServerName'> {
  const field = `clusters[${name}].cluster`;
  if (!value.server) throw kubeconfigError(`cluster "${name}" in ${file} has no server`, { path: `${field}.server`, hint: 'set server: https://HOST:PORT (the API server address)' });
  let server: URL;
  try {
    server = new URL(value.server);
  } catch (error) {
    throw kubeconfigError(`cluster "${name}" in ${file} has a server that is not a URL: ${value.server}`, { path: `${field}.server`, hint: 'set server: https://HOST:PORT', cause: error });
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') {
    throw kubeconfigError(`cluster "${name}" in ${file} has a server that is not http(s): ${value.server}`, { path: `${field}.server`, hint: 'set server: https://HOST:PORT' });
  }
  const ca = pemOf({ file, field, data: 'certificate-authority-data', path: 'certificate-authority' }, value['certificate-authority-data'], value['certificate-authority']);
  return {
    server: value.server.replace(/\/+$/, ''),
    ...(ca !== undefined ? { certificateAuthority: ca } : {}),
    insecureSkipTlsVerify: value['insecure-skip-tls-verify'] === true,
    ...(value['tls-server-name'] ? { tlsServerName: value['tls-server-name'] } : {}),
  };
}

function credentials(name: string, { file, value }: Sourced<UserEntry>): KubeCredentials {
  const field = `users[${name}].user`;
  const tokenHint = 'give Skiff a token instead: a ServiceAccount bound to the Role `skiff export` writes, its token (`kubectl create token NAME`) as user.token or user.tokenFile';
  if (value.exec) {
    throw kubeconfigError(`user "${name}" in ${file} gets its credentials from an exec plugin (${value.exec.command ?? 'a command'}), which Skiff does not run`, {
      path: `${field}.exec`,
      hint: tokenHint,
    });
  }
  if (value['auth-provider']) {
    throw kubeconfigError(`user "${name}" in ${file} uses the auth provider "${value['auth-provider'].name ?? '?'}", which Skiff does not support`, {
      path: `${field}.auth-provider`,
      hint: tokenHint,
    });
  }
  if (value.token) return { kind: 'token', token: value.token };
  if (value.tokenFile) return { kind: 'token-file', path: path.resolve(path.dirname(file), value.tokenFile) };
  const certificate = pemOf({ file, field, data: 'client-certificate-data', path: 'client-certificate' }, value['client-certificate-data'], value['client-certificate']);
  const key = pemOf({ file, field, data: 'client-key-data', path: 'client-key' }, value['client-key-data'], value['client-key']);
  if (certificate !== undefined && key !== undefined) return { kind: 'client-certificate', certificate, key };
  if (certificate !== undefined || key !== undefined) {
    throw kubeconfigError(`user "${name}" in ${file} has a client ${certificate === undefined ? 'key' : 'certificate'} but no client ${certificate === undefined ? 'certificate' : 'key'}`, {
      path: `${field}.${certificate === undefined ? 'client-certificate' : 'client-key'}`,
      hint: 'a client certificate needs both client-certificate(-data) and client-key(-data)',
    });
  }
  if (value.username !== undefined || value.password !== undefined) {
    throw kubeconfigError(`user "${name}" in ${file} uses a username and password, which Kubernetes no longer accepts`, { path: `${field}.username`, hint: tokenHint });
  }
  return { kind: 'none' };
}

interface PemSource {
  readonly file: string;
  readonly field: string;
  readonly data: string;
  readonly path: string;
}

/** A PEM from base64 `*-data`, or from a file (relative to the kubeconfig); undefined when neither is set. */
function pemOf(source: PemSource, data: string | undefined, file: string | undefined): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (!file) return undefined;
  const resolved = path.resolve(path.dirname(source.file), file);
  try {
    return readFileSync(resolved, 'utf8');
  } catch (error) {
    throw kubeconfigError(`${source.field}.${source.path} in ${source.file} names ${resolved}, which cannot be read: ${(error as Error).message}`, {
      path: `${source.field}.${source.path}`,
      hint: `fix the path, or embed the file as ${source.data} (base64)`,
      cause: error,
    });
  }
}
