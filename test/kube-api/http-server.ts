/**
 * The HTTP face of the fake: routing of API paths to discovery, OpenAPI and resource
 * operations, bearer-token authentication, RBAC-like denials, content negotiation (Table for
 * kubectl get) and watch streams.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { AccessControl } from './access.js';
import { aggregatedDiscovery, AGGREGATED_CONTENT_TYPE, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION, wantsAggregated } from './discovery.js';
import { metricsGroup, type MetricsApi } from './metrics-api.js';
import { openApiDocument } from './openapi.js';
import { isPodProxyPath, servePodProxy } from './pod-proxy.js';
import { selectorMatcher, type ResourceApi, type Target } from './resource-api.js';
import { findType } from './resources.js';
import { badRequest, methodNotAllowed, pathNotFound, StatusError } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import { toTable, wantsTable } from './table.js';
import type { TlsMaterial } from './tls.js';
import { serveWatch } from './watch.js';

export interface LogOptions {
  readonly container?: string;
  readonly follow: boolean;
  readonly tailLines?: number;
  readonly previous: boolean;
  /** Each line starts with its RFC 3339 time (nanoseconds) and a space. */
  readonly timestamps: boolean;
  /** Only lines written at or after this time (ms since the epoch), from sinceTime or sinceSeconds. */
  readonly since?: number;
}

/** Where pods/log reads a container's output. */
export type LogSource = (pod: KubeObject, options: LogOptions) => Readable;

export interface HttpServerDeps {
  readonly store: ObjectStore;
  readonly api: ResourceApi;
  readonly access: AccessControl;
  readonly logs: LogSource;
  readonly bookmarkIntervalMs: () => number;
  readonly tls: TlsMaterial;
  /** metrics.k8s.io; absent when the fake runs as a cluster without metrics-server. */
  readonly metrics?: MetricsApi;
}

interface Route extends Target {
  readonly collection: boolean;
}

const SUBRESOURCES = new Set(['status', 'scale', 'log']);

/** Parses `/api/v1/...` and `/apis/GROUP/VERSION/...` into a resource target. */
export function parseResourcePath(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 3) [group, rest] = [parts[1] as string, parts.slice(3)];
  else return undefined;
  const version = group === '' ? 'v1' : (parts[2] as string);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && findType(group, version, rest[2] as string)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = plural === undefined ? undefined : findType(group, version, plural);
  if (!type || extra.length > 0) return undefined;
  if (subresource !== undefined && (!SUBRESOURCES.has(subresource) || !type.subresources.some((s) => s.name === subresource))) return undefined;
  return {
    type,
    collection: name === undefined,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource: subresource as Target['subresource'] & string } : {}),
  };
}

function verbOf(method: string, route: Route, watch: boolean): string {
  switch (method) {
    case 'GET':
      return route.collection ? (watch ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.collection ? 'deletecollection' : 'delete';
    default:
      throw methodNotAllowed();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A discovery document with `extra` appended to its list of groups. */
function withGroups(document: object, key: 'items' | 'groups', extra: readonly object[]): object {
  const groups = (document as Record<string, unknown>)[key] as readonly object[];
  return { ...document, [key]: [...groups, ...extra] };
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class FakeKubeHttpServer {
  private readonly server: https.Server;
  private readonly watches = new Set<ServerResponse>();

  constructor(private readonly deps: HttpServerDeps) {
    this.server = https.createServer({ key: deps.tls.key, cert: deps.tls.cert }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (error instanceof StatusError) sendJson(res, error.status.code, error.status);
        else sendJson(res, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String(error), reason: 'InternalError', code: 500 });
      });
    });
  }

  listen(): Promise<string> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(`https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      });
    });
  }

  /** Ends every open watch, as a restarting API server or a broken connection would. */
  dropWatches(): void {
    for (const res of this.watches) res.destroy();
    this.watches.clear();
  }

  close(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const unauthenticated = this.deps.access.authenticate(req.headers.authorization);
    if (unauthenticated) throw unauthenticated;
    const accept = req.headers.accept;
    if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
    if (path === '/api' || path === '/apis') {
      const legacy = path === '/api';
      const metricsGroups = !legacy && this.deps.metrics ? [metricsGroup(wantsAggregated(accept))] : [];
      if (wantsAggregated(accept)) return sendJson(res, 200, withGroups(aggregatedDiscovery(legacy), 'items', metricsGroups), AGGREGATED_CONTENT_TYPE);
      return sendJson(res, 200, legacy ? apiVersions(req.headers.host ?? '') : withGroups(apiGroupList(), 'groups', metricsGroups));
    }
    if (path.startsWith('/openapi/')) {
      const document = openApiDocument(path);
      if (!document) throw pathNotFound();
      return sendJson(res, 200, document);
    }
    const metrics = req.method === 'GET' ? await this.deps.metrics?.serve(path, url.searchParams.get('labelSelector')) : undefined;
    if (metrics) return sendJson(res, 200, metrics);
    const groupVersion = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (groupVersion) {
      const list = groupVersion[1] ? apiResourceList('', 'v1') : apiResourceList(groupVersion[2] ?? '', groupVersion[3] ?? '');
      if (!list) throw pathNotFound();
      return sendJson(res, 200, list);
    }
    // Before the trailing slash goes: the pod's own path keeps it.
    if (isPodProxyPath(url.pathname)) return servePodProxy(req, res, url, this.deps);
    const route = parseResourcePath(path);
    if (!route) throw pathNotFound();
    await this.handleResource(req, res, url, route);
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, url: URL, route: Route): Promise<void> {
    const q = url.searchParams;
    const watch = q.get('watch') === '1' || q.get('watch') === 'true';
    const method = req.method ?? 'GET';
    const verb = verbOf(method, route, watch);
    const denied = this.deps.access.authorize({
      verb,
      resource: route.type.plural,
      group: route.type.group,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(route.name ? { name: route.name } : {}),
    });
    if (denied) throw denied;
    const { api } = this.deps;
    const manager = q.get('fieldManager') ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
    const query = {
      ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector') as string } : {}),
      ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector') as string } : {}),
      ...(Number(q.get('limit')) > 0 ? { limit: Number(q.get('limit')) } : {}),
      ...(q.get('continue') ? { continue: q.get('continue') as string } : {}),
    };
    const dryRun = q.get('dryRun') === 'All';
    const table = wantsTable(req.headers.accept);
    const render = (object: KubeObject): unknown => (table ? toTable(object.kind, [object], object.metadata.resourceVersion ?? '') : object);

    if (verb === 'watch') {
      this.watches.add(res);
      res.on('close', () => this.watches.delete(res));
      const timeout = q.get('timeoutSeconds');
      serveWatch(
        this.deps.store,
        {
          type: route.type,
          ...(route.namespace ? { namespace: route.namespace } : {}),
          matches: selectorMatcher(query),
          ...(q.has('resourceVersion') ? { resourceVersion: q.get('resourceVersion') as string } : {}),
          allowBookmarks: q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
          bookmarkIntervalMs: this.deps.bookmarkIntervalMs(),
          render,
        },
        res,
      );
      return;
    }
    if (verb === 'list') {
      const list = api.list(route, query);
      if (!table) return sendJson(res, 200, list);
      const items = (list.items as KubeObject[]).map((item) => ({ ...item, kind: route.type.kind }));
      return sendJson(res, 200, { ...toTable(route.type.kind, items, list.metadata.resourceVersion ?? ''), metadata: list.metadata });
    }
    if (route.subresource === 'log') return this.serveLog(res, route, q);
    const body = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
    switch (verb) {
      case 'get':
        return sendJson(res, 200, table ? toTable(route.type.kind, [api.get(route)], '') : api.get(route));
      case 'create':
        return sendJson(res, 201, api.create(route, body, { manager, dryRun }));
      case 'update':
        return sendJson(res, 200, api.replace(route, body, { manager, dryRun }));
      case 'patch': {
        const force = q.get('force') === 'true';
        const { object, created } = api.patch(route, { contentType: req.headers['content-type'] ?? '', body, manager, force, dryRun });
        return sendJson(res, created ? 201 : 200, object);
      }
      case 'delete':
        return sendJson(res, 200, api.delete(route, { ...(await this.deleteOptions(req, q)), dryRun }));
      case 'deletecollection': {
        const options = await this.deleteOptions(req, q);
        const items = api.list(route, { ...query, limit: 0 }).items as KubeObject[];
        for (const item of items) api.delete({ ...route, name: item.metadata.name, namespace: item.metadata.namespace }, options);
        return sendJson(res, 200, api.list(route, query));
      }
      default:
        throw methodNotAllowed();
    }
  }

  private async deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<{ propagationPolicy?: string; gracePeriodSeconds?: number }> {
    const text = await readBody(req);
    let body: { propagationPolicy?: string; gracePeriodSeconds?: number } = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw badRequest('the DeleteOptions body could not be decoded');
      }
    }
    const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
    const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
    return { ...(policy ? { propagationPolicy: policy } : {}), ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}) };
  }

  private serveLog(res: ServerResponse, route: Route, q: URLSearchParams): void {
    const pod = this.deps.api.get(route);
    const containers = ((pod.spec as { containers?: { name: string }[] }).containers ?? []).map((c) => c.name);
    const container = q.get('container') ?? undefined;
    if (container === undefined && containers.length > 1)
      throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
    if (container !== undefined && !containers.includes(container))
      throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    const tail = q.get('tailLines');
    const since = logSince(q);
    const stream = this.deps.logs(pod, {
      container: container ?? containers[0] as string,
      follow: q.get('follow') === 'true',
      previous: q.get('previous') === 'true',
      timestamps: q.get('timestamps') === 'true',
      ...(tail ? { tailLines: Number(tail) } : {}),
      ...(since !== undefined ? { since } : {}),
    });
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    this.watches.add(res);
    stream.pipe(res);
    // The engine can refuse the logs of a container it is removing: the stream ends, as the kubelet's does.
    stream.on('error', () => res.end());
    res.on('close', () => {
      this.watches.delete(res);
      stream.destroy();
    });
  }
}


/** sinceTime (RFC 3339, whole seconds as the real server keeps it) or sinceSeconds, as ms since the epoch; the real server refuses both at once. */
function logSince(q: URLSearchParams): number | undefined {
  const time = q.get('sinceTime');
  const seconds = q.get('sinceSeconds');
  if (time !== null && seconds !== null) throw badRequest('at most one of sinceTime or sinceSeconds may be specified');
  if (seconds !== null) {
    if (!/^[1-9]\d*$/.test(seconds)) throw badRequest(`sinceSeconds: Invalid value: "${seconds}": must be greater than 0`);
    return Date.now() - Number(seconds) * 1000;
  }
  if (time === null) return undefined;
  const at = Date.parse(time);
  if (Number.isNaN(at)) throw badRequest(`sinceTime: Invalid value: "${time}": not an RFC 3339 time`);
  return Math.floor(at / 1000) * 1000;
}
