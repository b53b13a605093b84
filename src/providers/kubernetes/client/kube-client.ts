/**
 * The typed Kubernetes API client the kubernetes provider uses: reads, writes by server-side
 * apply (field manager `skiff`), subresources, watches and followed logs. Namespaced calls use
 * the client's namespace unless a call names another.
 */
import { SkiffError } from '../../../core/errors.js';
import { errorFromStatus, statusOf, type KubeStatus } from './kube-errors.js';
import type { KubeList, KubeObject, Scale, WatchEvent } from './kube-objects.js';
import type { KubeConnection } from './kubeconfig.js';
import { linesOf } from './line-stream.js';
import { apiVersionOf, kubeResources, resourceOfObject, resourcePath, type ResourceType, type Subresource } from './resources.js';
import { KubeTransport, type KubeRequest, type TransportOptions } from './transport.js';

export const SKIFF_FIELD_MANAGER = 'skiff';

export interface KubeClientOptions extends TransportOptions {
  /** The namespace of calls that name none; the kubeconfig context's, else `default`. */
  readonly namespace?: string;
}

export interface InNamespace {
  readonly namespace?: string;
}

export interface ListOptions extends InNamespace {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  /** Cancels the request. */
  readonly signal?: AbortSignal;
}

export interface WatchOptions extends InNamespace {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Where to continue from (a list's resourceVersion); from the current state with ADDED events when unset. */
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  /** Ends the watch. */
  readonly signal?: AbortSignal;
}

export interface ApplyOptions extends InNamespace {
  /** Take over fields another manager owns instead of failing with SKIFF_KUBE_CONFLICT. */
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly subresource?: 'status';
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions extends InNamespace {
  readonly propagationPolicy?: PropagationPolicy;
  readonly gracePeriodSeconds?: number;
}

export interface LogOptions extends InNamespace {
  readonly container?: string;
  readonly follow?: boolean;
  readonly tailLines?: number;
  readonly previous?: boolean;
  /** Each line starts with its RFC 3339 time (nanoseconds) and a space. */
  readonly timestamps?: boolean;
  /** Only lines written at or after this RFC 3339 time; the server keeps whole seconds. */
  readonly sinceTime?: string;
  readonly signal?: AbortSignal;
}

/** One HTTP request to a pod's port through the API server (pods/proxy). */
export interface PodProxyRequest extends InNamespace {
  readonly method: 'GET' | 'POST';
  /** The path on the pod, with its query: `/metrics`. */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  /** Longest wait for the whole answer; the client's request timeout by default. */
  readonly timeoutMs?: number;
  /** Gives up the request (a long poll its caller left). */
  readonly signal?: AbortSignal;
}

type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';

type Target = InNamespace & { readonly name?: string; readonly subresource?: Subresource };

/** One request with a JSON answer. */
interface JsonCall {
  readonly method: KubeRequest['method'];
  readonly verb: Verb;
  readonly type: ResourceType;
  readonly target: Target;
  readonly query?: URLSearchParams;
  /** Sent as JSON (which is also YAML, for apply). */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export class KubeClient {
  readonly namespace: string;
  private readonly transport: KubeTransport;

  constructor(
    readonly connection: KubeConnection,
    options: KubeClientOptions = {},
  ) {
    this.namespace = options.namespace ?? connection.namespace ?? 'default';
    this.transport = new KubeTransport(connection, options);
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends KubeObject>(type: ResourceType, name: string, options: InNamespace & { readonly subresource?: 'status' } = {}): Promise<T | undefined> {
    try {
      return await this.json<T>({ method: 'GET', verb: 'get', type, target: { ...options, name } });
    } catch (error) {
      if (error instanceof SkiffError && error.code === 'SKIFF_KUBE_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** One page of objects (all of them unless `limit` is set). */
  async list<T extends KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<KubeList<T>> {
    const query = new URLSearchParams();
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.continue) query.set('continue', options.continue);
    const list = await this.json<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>({ method: 'GET', verb: 'list', type, target: options, query, ...(options.signal ? { signal: options.signal } : {}) });
    // List items come without apiVersion and kind on the real server.
    const items = (list.items ?? []).map((item) => ({ ...item, apiVersion: item.apiVersion ?? apiVersionOf(type), kind: item.kind ?? type.kind }));
    return { items, resourceVersion: list.metadata?.resourceVersion ?? '', ...(list.metadata?.continue ? { continue: list.metadata.continue } : {}) };
  }

  /** Every object, read in pages of `pageSize`; the resourceVersion is the first page's. */
  async listAll<T extends KubeObject>(type: ResourceType, options: Omit<ListOptions, 'limit' | 'continue'> & { readonly pageSize?: number } = {}): Promise<KubeList<T>> {
    const { pageSize = 500, ...rest } = options;
    const first = await this.list<T>(type, { ...rest, limit: pageSize });
    const items = [...first.items];
    let next = first.continue;
    for (let page = 1; next !== undefined; page++) {
      if (page > 100_000) throw new SkiffError('SKIFF_KUBE_REQUEST_FAILED', `listing ${type.plural} did not end after ${page} pages`);
      const more = await this.list<T>(type, { ...rest, limit: pageSize, continue: next });
      items.push(...more.items);
      next = more.continue;
    }
    return { items, resourceVersion: first.resourceVersion };
  }

  async create<T extends KubeObject>(object: T, options: InNamespace = {}): Promise<T> {
    const type = resourceOfObject(object);
    return this.json<T>({ method: 'POST', verb: 'create', type, target: { namespace: options.namespace ?? object.metadata.namespace }, body: object });
  }

  /** Server-side apply as field manager `skiff`: creates or updates the fields Skiff states, leaves others' fields alone. */
  async apply<T extends KubeObject>(object: T, options: ApplyOptions = {}): Promise<T> {
    const type = resourceOfObject(object);
    const query = new URLSearchParams({ fieldManager: SKIFF_FIELD_MANAGER });
    if (options.force) query.set('force', 'true');
    if (options.dryRun) query.set('dryRun', 'All');
    return this.json<T>({
      method: 'PATCH',
      verb: 'patch',
      type,
      target: { namespace: options.namespace ?? object.metadata.namespace, name: object.metadata.name, ...(options.subresource ? { subresource: options.subresource } : {}) },
      query,
      body: object,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** A JSON merge patch (RFC 7386) of the object or its status. */
  async mergePatch<T extends KubeObject>(type: ResourceType, name: string, patch: object, options: InNamespace & { readonly subresource?: 'status' } = {}): Promise<T> {
    const query = new URLSearchParams({ fieldManager: SKIFF_FIELD_MANAGER });
    return this.json<T>({ method: 'PATCH', verb: 'patch', type, target: { ...options, name }, query, body: patch, contentType: 'application/merge-patch+json' });
  }

  async getScale(type: ResourceType, name: string, options: InNamespace = {}): Promise<Scale> {
    return this.json<Scale>({ method: 'GET', verb: 'get', type, target: { ...options, name, subresource: 'scale' } });
  }

  /** Sets the replicas through the scale subresource (touches nothing else of the object). */
  async setScale(type: ResourceType, name: string, replicas: number, options: InNamespace = {}): Promise<Scale> {
    const query = new URLSearchParams({ fieldManager: SKIFF_FIELD_MANAGER });
    return this.json<Scale>({ method: 'PATCH', verb: 'patch', type, target: { ...options, name, subresource: 'scale' }, query, body: { spec: { replicas } }, contentType: 'application/merge-patch+json' });
  }

  /** Deletes the object; false when it did not exist. */
  async delete(type: ResourceType, name: string, options: DeleteOptions = {}): Promise<boolean> {
    const body = {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
    };
    try {
      await this.json({ method: 'DELETE', verb: 'delete', type, target: { ...options, name }, body });
      return true;
    } catch (error) {
      if (error instanceof SkiffError && error.code === 'SKIFF_KUBE_NOT_FOUND') return false;
      throw error;
    }
  }

  /**
   * Watch events as they arrive, until the server ends the watch, the connection breaks or
   * `signal` aborts. A watch that starts too far behind throws SKIFF_KUBE_EXPIRED: list again.
   */
  async *watch<T extends KubeObject>(type: ResourceType, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const query = new URLSearchParams({ watch: 'true' });
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    if (options.resourceVersion) query.set('resourceVersion', options.resourceVersion);
    if (options.allowWatchBookmarks) query.set('allowWatchBookmarks', 'true');
    if (options.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(options.timeoutSeconds));
    const request = this.request({ method: 'GET', verb: 'watch', type, target: options, query });
    const response = await this.transport.open({ ...request, ...(options.signal ? { signal: options.signal } : {}) });
    for await (const line of linesOf(response)) {
      if (line.trim() === '') continue;
      const event = JSON.parse(line) as { type: string; object: T | KubeStatus };
      if (event.type === 'ERROR') {
        const status = event.object as KubeStatus;
        throw errorFromStatus(status.code ?? 500, status, this.transport.contextOf(request));
      }
      if (event.type === 'BOOKMARK') yield { type: 'BOOKMARK', resourceVersion: (event.object as T).metadata.resourceVersion ?? '' };
      else if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') yield { type: event.type, object: event.object as T };
    }
  }

  /** A pod's log, line by line; with `follow`, until the container ends, the connection breaks or `signal` aborts. */
  async *podLogs(pod: string, options: LogOptions = {}): AsyncGenerator<string> {
    const query = new URLSearchParams();
    if (options.container) query.set('container', options.container);
    if (options.follow) query.set('follow', 'true');
    if (options.previous) query.set('previous', 'true');
    if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
    if (options.timestamps) query.set('timestamps', 'true');
    if (options.sinceTime !== undefined) query.set('sinceTime', options.sinceTime);
    const request = this.request({ method: 'GET', verb: 'get', type: kubeResources.Pod, target: { ...options, name: pod, subresource: 'log' }, query });
    const response = await this.transport.open({ ...request, ...(options.signal ? { signal: options.signal } : {}) });
    yield* linesOf(response);
  }

  /**
   * The body of a pod's 2xx answer to `request`, reached through the API server's pods/proxy
   * (RBAC: `get` on pods/proxy for GET, `create` for POST), so no route to the pod network is needed.
   * Any other answer, the pod's or the API server's (503 when the pod does not answer), is its SkiffError.
   */
  async proxyPod(pod: string, port: number, request: PodProxyRequest): Promise<string> {
    const call = this.request({ method: request.method, verb: request.method === 'GET' ? 'get' : 'create', type: kubeResources.Pod, target: { ...request, name: pod } });
    const answer = await this.transport.send({
      ...call,
      // `NAME:PORT` with the colon as is (the path of the pod, not its name, comes after).
      path: `${call.path}:${port}/proxy${request.path}`,
      context: { ...call.context, resource: 'pods/proxy' },
      ...(request.body !== undefined ? { body: request.body, contentType: request.contentType ?? 'application/json' } : {}),
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
    });
    return answer.body;
  }

  /** Closes the kept-alive connections (open watches and log streams end on their own signals). */
  close(): void {
    this.transport.close();
  }

  private request({ method, verb, type, target, query }: Omit<JsonCall, 'body' | 'contentType' | 'signal'>): KubeRequest {
    const namespace = type.namespaced ? target.namespace ?? this.namespace : undefined;
    const at = { ...(namespace !== undefined ? { namespace } : {}), ...(target.name !== undefined ? { name: target.name } : {}) };
    const path = resourcePath(type, { ...at, ...(target.subresource ? { subresource: target.subresource } : {}) });
    const queryText = query?.toString();
    return {
      method,
      path: queryText ? `${path}?${queryText}` : path,
      context: { verb, resource: target.subresource ? `${type.plural}/${target.subresource}` : type.plural, ...at },
    };
  }

  private async json<T>(call: JsonCall): Promise<T> {
    const request = this.request(call);
    const body = call.body !== undefined ? { body: JSON.stringify(call.body), contentType: call.contentType ?? 'application/json' } : {};
    const answer = await this.transport.send({ ...request, ...body, ...(call.signal ? { signal: call.signal } : {}) });
    try {
      return JSON.parse(answer.body) as T;
    } catch {
      throw errorFromStatus(answer.status, statusOf(answer.body), this.transport.contextOf(request));
    }
  }
}
