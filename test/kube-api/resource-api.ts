/**
 * The API's operations on resources, independent of HTTP: get, list, create, replace, patch
 * (apply, merge, strategic, JSON) and delete, on the main resource and its status and scale
 * subresources, with the real server's defaulting, field ownership and error Statuses.
 */
import { parse as parseYaml } from 'yaml';
import { applyDefaults } from './defaults.js';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import { jsonPatch, mergeValue } from './merge.js';
import { apiVersionOf, RESOURCE_TYPES, typeOfKind, type ResourceType } from './resources.js';
import { fieldValue, matchesRequirements, parseFieldSelector, parseLabelSelector, selectorToString } from './selectors.js';
import { badRequest, namespaceTerminating, notFound, unsupportedMediaType } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

export interface Target {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: 'status' | 'scale' | 'log';
}

export interface ListQuery {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size; the answer carries metadata.continue while more items remain. */
  readonly limit?: number;
  readonly continue?: string;
}

export interface WriteOptions {
  readonly manager: string;
  readonly force?: boolean;
  /** `?dryRun=All`: validate and answer the result, store nothing. */
  readonly dryRun?: boolean;
}

export interface PatchRequest extends WriteOptions {
  readonly contentType: string;
  readonly body: string;
}

const NAMESPACES = typeOfKind('Namespace');

type JsonObject = Record<string, unknown>;

/** Whether `object` passes the label and field selectors of a list or watch. */
export function selectorMatcher(query: ListQuery): (object: KubeObject) => boolean {
  const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : [];
  const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : [];
  return (object) => matchesRequirements(labels, (k) => object.metadata.labels?.[k]) && matchesRequirements(fields, (k) => fieldValue(object, k));
}

/** Where a page starts. The fake pages over the current objects (the real server pages over a snapshot at the first page's resourceVersion). */
function pageOf(query: ListQuery, current: string): { offset: number; resourceVersion: string } {
  if (!query.continue) return { offset: 0, resourceVersion: current };
  try {
    const token = JSON.parse(Buffer.from(query.continue, 'base64url').toString('utf8')) as { rv: string; offset: number };
    if (typeof token.offset === 'number' && typeof token.rv === 'string') return { offset: token.offset, resourceVersion: token.rv };
  } catch {
    // falls through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

function parseBody(body: string): KubeObject {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed as KubeObject;
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

export class ResourceApi {
  constructor(private readonly store: ObjectStore) {}

  get(target: Target): KubeObject {
    const object = this.store.mustGet(target.type, target.namespace, this.nameOf(target));
    return target.subresource === 'scale' ? this.toScale(object) : object;
  }

  list(target: Target, query: ListQuery): KubeObject {
    const matches = selectorMatcher(query);
    const all = this.store.list(target.type, target.namespace).filter(matches);
    const page = pageOf(query, String(this.store.currentRevision));
    const items = query.limit ? all.slice(page.offset, page.offset + query.limit) : all.slice(page.offset);
    for (const item of items) {
      delete (item as Partial<KubeObject>).apiVersion;
      delete (item as Partial<KubeObject>).kind;
    }
    const next = page.offset + items.length;
    const metadata = {
      resourceVersion: page.resourceVersion,
      ...(next < all.length ? { continue: Buffer.from(JSON.stringify({ rv: page.resourceVersion, offset: next })).toString('base64url'), remainingItemCount: all.length - next } : {}),
    };
    return { apiVersion: apiVersionOf(target.type), kind: `${target.type.kind}List`, metadata: metadata as unknown as KubeObject['metadata'], items };
  }

  create(target: Target, body: string, options: WriteOptions): KubeObject {
    const object = parseBody(body);
    object.metadata = { ...object.metadata };
    if (target.type.namespaced) object.metadata.namespace = target.namespace ?? object.metadata.namespace ?? 'default';
    this.requireNamespace(target.type, object.metadata.namespace, object.metadata.name);
    if (!object.metadata.name && !object.metadata.generateName) throw badRequest('name or generateName is required');
    return this.createObject(target.type, object, options.manager, options.dryRun);
  }

  /** Creates an object as a controller does (no HTTP request); `manager` owns its fields. */
  createObject(type: ResourceType, input: KubeObject, manager: string, dryRun = false): KubeObject {
    const object = structuredClone(input);
    delete object.metadata.resourceVersion;
    delete object.metadata.managedFields;
    if (type.hasStatusSubresource) delete object.status;
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    applyDefaults(object);
    recordUpdate({ before: undefined, after: object, manager });
    return this.store.create(type, object, dryRun);
  }

  replace(target: Target, body: string, options: WriteOptions): KubeObject {
    const incoming = parseBody(body);
    const current = this.store.mustGet(target.type, target.namespace, this.nameOf(target));
    if (target.subresource === 'scale') return this.writeScale(current, incoming, options);
    return this.write(target, current, incoming, options);
  }

  patch(target: Target, request: PatchRequest): { object: KubeObject; created: boolean } {
    const mediaType = request.contentType.split(';')[0]?.trim() ?? '';
    const name = this.nameOf(target);
    const current = this.store.get(target.type, target.namespace, name);
    if (mediaType === 'application/apply-patch+yaml') return this.apply(target, current, request);
    if (!current) throw notFound({ resource: target.type.plural, group: target.type.group, name });
    const base = target.subresource === 'scale' ? this.toScale(current) : current;
    let patched: KubeObject;
    try {
      if (mediaType === 'application/merge-patch+json') patched = mergeValue(base, JSON.parse(request.body), 'json-merge') as KubeObject;
      else if (mediaType === 'application/strategic-merge-patch+json') patched = mergeValue(base, JSON.parse(request.body), 'strategic') as KubeObject;
      else if (mediaType === 'application/json-patch+json') patched = jsonPatch(base, JSON.parse(request.body)) as KubeObject;
      else throw unsupportedMediaType(request.contentType);
    } catch (error) {
      if (error instanceof SyntaxError || (error instanceof Error && !('status' in error))) throw badRequest(`the patch could not be applied: ${error.message}`);
      throw error;
    }
    if (target.subresource === 'scale') return { object: this.writeScale(current, patched, request), created: false };
    return { object: this.write(target, current, patched, request), created: false };
  }

  delete(target: Target, options: { readonly propagationPolicy?: string; readonly gracePeriodSeconds?: number; readonly dryRun?: boolean }): KubeObject {
    const name = this.nameOf(target);
    const current = this.store.mustGet(target.type, target.namespace, name);
    if (options.dryRun) return current;
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(current);
    const grace = options.gracePeriodSeconds ?? Number((current.spec as JsonObject | undefined)?.terminationGracePeriodSeconds ?? 30);
    // A pod on a node terminates gracefully: the kubelet stops its containers, then removes it.
    if (target.type.kind === 'Pod' && grace > 0 && (current.spec as JsonObject | undefined)?.nodeName) {
      if (current.metadata.deletionTimestamp) return current;
      current.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      current.metadata.deletionGracePeriodSeconds = grace;
      return this.store.update(target.type, current);
    }
    // An object with finalizers stays, marked for deletion, until its finalizers are removed.
    if ((current.metadata.finalizers as string[] | undefined)?.length) {
      if (current.metadata.deletionTimestamp) return current;
      current.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return this.store.update(target.type, current);
    }
    // A namespace is Terminating until the namespace controller has removed its contents.
    if (target.type.kind === 'Namespace') {
      if (current.metadata.deletionTimestamp) return current;
      current.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      current.status = { phase: 'Terminating' };
      return this.store.update(target.type, current);
    }
    return this.store.delete(target.type, target.namespace, name);
  }

  private apply(target: Target, current: KubeObject | undefined, request: PatchRequest): { object: KubeObject; created: boolean } {
    let applied: KubeObject;
    try {
      applied = parseYaml(request.body) as KubeObject;
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
    if (typeof applied !== 'object' || applied === null || !applied.apiVersion || !applied.kind) throw badRequest('apiVersion and kind must be set in an applied configuration');
    const name = this.nameOf(target);
    applied.metadata = { ...applied.metadata, name, ...(target.type.namespaced ? { namespace: target.namespace } : {}) };
    const subresource = target.subresource === 'status' ? 'status' : undefined;
    if (!current) {
      this.requireNamespace(target.type, target.namespace, name);
      const object = serverSideApply({ live: undefined, applied, manager: request.manager, force: request.force ?? false });
      if (target.type.hasStatusSubresource) delete object.status;
      applyDefaults(object);
      return { object: this.store.create(target.type, object, request.dryRun), created: true };
    }
    const merged = serverSideApply({ live: current, applied, manager: request.manager, force: request.force ?? false, ...(subresource ? { subresource } : {}) });
    return { object: this.commitWrite(target, current, merged, request.dryRun), created: false };
  }

  /** A replace or patch result: only status through /status, never status through the main resource. */
  private write(target: Target, current: KubeObject, incoming: KubeObject, options: WriteOptions): KubeObject {
    const next = this.restrictToSubresource(target, current, incoming);
    const subresource = target.subresource === 'status' ? 'status' : undefined;
    recordUpdate({ before: current, after: next, manager: options.manager, ...(subresource ? { subresource } : {}) });
    return this.commitWrite(target, current, next, options.dryRun);
  }

  private restrictToSubresource(target: Target, current: KubeObject, incoming: KubeObject): KubeObject {
    if (target.subresource === 'status') return { ...current, status: incoming.status, metadata: { ...current.metadata, resourceVersion: incoming.metadata?.resourceVersion ?? '' } };
    const next: KubeObject = { ...incoming, metadata: { ...incoming.metadata, name: current.metadata.name } };
    if (target.type.namespaced) next.metadata.namespace = current.metadata.namespace;
    if (target.type.hasStatusSubresource) next.status = current.status;
    if (incoming.metadata?.managedFields === undefined) next.metadata.managedFields = current.metadata.managedFields;
    return next;
  }

  private commitWrite(target: Target, current: KubeObject, next: KubeObject, dryRun = false): KubeObject {
    if (target.subresource !== 'status') {
      if (target.type.hasStatusSubresource) next.status = current.status;
      applyDefaults(next);
    }
    const written = this.store.update(target.type, next, dryRun);
    const finalized = written.metadata.deletionTimestamp && !(written.metadata.finalizers as string[] | undefined)?.length && target.type.kind !== 'Pod' && target.type.kind !== 'Namespace';
    return finalized && !dryRun ? this.store.delete(target.type, written.metadata.namespace, written.metadata.name) : written;
  }

  private toScale(object: KubeObject): KubeObject {
    const spec = object.spec as JsonObject;
    const status = (object.status ?? {}) as JsonObject;
    const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: { replicas: spec.replicas },
      status: { replicas: status.replicas ?? 0, selector: selectorToString(spec.selector as never) },
    };
  }

  private writeScale(current: KubeObject, scale: KubeObject, options: WriteOptions): KubeObject {
    const replicas = (scale.spec as JsonObject | undefined)?.replicas;
    if (typeof replicas !== 'number' || replicas < 0) throw badRequest('spec.replicas must be a non-negative integer');
    const next = structuredClone(current);
    (next.spec as JsonObject).replicas = replicas;
    if (scale.metadata?.resourceVersion) next.metadata.resourceVersion = scale.metadata.resourceVersion;
    recordUpdate({ before: current, after: next, manager: options.manager });
    return this.toScale(this.store.update(typeOfKind(current.kind), next, options.dryRun));
  }

  private orphanDependents(owner: KubeObject): void {
    for (const type of RESOURCE_TYPES) {
      for (const dependent of this.store.list(type, owner.metadata.namespace)) {
        const refs = dependent.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === owner.metadata.uid)) continue;
        dependent.metadata.ownerReferences = refs.filter((r) => r.uid !== owner.metadata.uid);
        this.store.update(type, dependent);
      }
    }
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced || namespace === undefined) return;
    const found = this.store.get(NAMESPACES, undefined, namespace);
    if (!found) throw notFound({ resource: 'namespaces', group: '', name: namespace });
    if (found.metadata.deletionTimestamp) throw namespaceTerminating({ resource: type.plural, group: type.group, name, namespace });
  }

  private nameOf(target: Target): string {
    if (!target.name) throw badRequest('a resource name is required');
    return target.name;
  }
}
