/**
 * `pods/proxy`: `/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/PATH` forwarded to the pod's IP, as
 * the real API server does (pkg/registry/core/pod/strategy.go, ResourceLocation): method, path
 * after `/proxy`, query, body and the answer's status, headers and body passed through. A pod
 * without an IP is 400 `address not allowed`; a pod that does not answer is 503 with a Status.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AccessControl } from './access.js';
import type { ResourceApi } from './resource-api.js';
import { typeOfKind } from './resources.js';
import { badRequest, serviceUnavailable } from './status.js';

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/;

/** The connect verb of a method, as RBAC sees it (GET → get, POST → create …). */
const VERB_OF_METHOD: Readonly<Record<string, string>> = { GET: 'get', HEAD: 'get', OPTIONS: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Hop-by-hop headers a proxy must not pass on (RFC 9110 §7.6.1), and the client's credentials. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'authorization']);

export interface PodProxyDeps {
  readonly api: ResourceApi;
  readonly access: AccessControl;
}

/** Whether `pathname` is a pods/proxy path (served by `servePodProxy`). */
export function isPodProxyPath(pathname: string): boolean {
  return PROXY_PATH.test(pathname);
}

export async function servePodProxy(req: IncomingMessage, res: ServerResponse, url: URL, deps: PodProxyDeps): Promise<void> {
  const match = PROXY_PATH.exec(url.pathname);
  if (!match) throw badRequest(`not a pods/proxy path: ${url.pathname}`);
  const [, namespace = '', id = '', rest] = match;
  const { name, port: named } = splitNamePort(decodeURIComponent(id));
  const denied = deps.access.authorize({ verb: VERB_OF_METHOD[req.method ?? 'GET'] ?? 'get', resource: 'pods', subresource: 'proxy', group: '', namespace, name });
  if (denied) throw denied;
  const pod = deps.api.get({ type: typeOfKind('Pod'), namespace, name });
  const spec = pod.spec as { containers?: { ports?: { containerPort?: number }[] }[] } | undefined;
  const port = named ?? String(spec?.containers?.flatMap((c) => c.ports ?? [])[0]?.containerPort ?? 80);
  const podIP = (pod.status as { podIP?: string } | undefined)?.podIP;
  // The real server also refuses IPs that are not global unicast; the fake's pod IPs are 127.X.Y.Z.
  if (!podIP) throw badRequest('address not allowed');
  await forward(req, res, { host: podIP, port, path: `${rest ?? '/'}${url.search}` });
}

/** `NAME`, `NAME:PORT` or `SCHEME:NAME:PORT` (only http: the fake's pods serve no TLS of the API server's choosing). */
function splitNamePort(id: string): { name: string; port?: string } {
  const parts = id.split(':');
  if (parts.length === 3 && parts[0] === 'http') parts.shift();
  if (parts.length > 2 || parts.some((part) => part === '' && parts.length > 1) || parts[0] === '') throw badRequest(`invalid pod request "${id}"`);
  return { name: parts[0] as string, ...(parts[1] !== undefined ? { port: parts[1] } : {}) };
}

function forward(req: IncomingMessage, res: ServerResponse, to: { host: string; port: string; path: string }): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(req.headers)) if (value !== undefined && !NOT_FORWARDED.has(key)) headers[key] = value;
  return new Promise((resolve, reject) => {
    const upstream = http.request({ host: to.host, port: to.port, path: to.path, method: req.method ?? 'GET', headers }, (answer) => {
      const passed: Record<string, string | string[]> = {};
      for (const [key, value] of Object.entries(answer.headers)) if (value !== undefined && !NOT_FORWARDED.has(key)) passed[key] = value;
      res.writeHead(answer.statusCode ?? 502, passed);
      answer.pipe(res);
      answer.on('end', () => resolve());
      answer.on('error', reject);
    });
    upstream.on('error', (error: Error & { code?: string }) =>
      reject(serviceUnavailable(`error trying to reach service: dial tcp ${to.host}:${to.port}: ${error.code === 'ECONNREFUSED' ? 'connect: connection refused' : error.message}`)),
    );
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
}
