/**
 * The object store: one global resourceVersion counter (like etcd's revision), uid,
 * creationTimestamp and generation on every object, an event log for watches, and a compaction
 * window after which old resourceVersions answer 410 Gone.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './resources.js';
import { alreadyExists, notFound, staleWrite } from './status.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  managedFields?: unknown[];
  generateName?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly resourceVersion: number;
  readonly type: WatchEventType;
  readonly resource: ResourceType;
  readonly object: KubeObject;
  /** For MODIFIED: the object before, so a watch with a selector can tell an object entering or leaving it. */
  readonly previous?: KubeObject;
}

export type StoreListener = (event: StoredEvent) => void;

const clone = <T>(value: T): T => structuredClone(value);

/** Everything a write may change that does not count as a change of the desired state. */
function specOf(object: KubeObject): string {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return JSON.stringify(rest);
}

const keyOf = (t: ResourceType, namespace: string | undefined, name: string): string => `${t.plural}.${t.group}/${namespace ?? ''}/${name}`;

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters from the alphabet the real server uses for generateName. */
function comparable(object: KubeObject): string {
  const managedFields = (object.metadata.managedFields as { time?: string }[] | undefined)?.map(({ time: _time, ...entry }) => entry);
  return JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: '', managedFields } }, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return out;
}

export class ObjectStore {
  private revision = 0;
  private oldestWatchable = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly log: StoredEvent[] = [];
  private readonly listeners = new Set<StoreListener>();

  /** How many revisions a watch can start behind the current one before it gets 410 Gone. */
  constructor(private compactionWindow: number) {}

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may still start from. */
  get compactedRevision(): number {
    return Math.max(this.oldestWatchable, this.revision - this.compactionWindow);
  }

  /** Forgets every event up to now, as etcd compaction does: a watch from an older resourceVersion gets 410. */
  compact(): void {
    this.oldestWatchable = this.revision;
    this.log.length = 0;
  }

  setCompactionWindow(window: number): void {
    this.compactionWindow = window;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The logged events after `resourceVersion`, or undefined when that is older than the compaction window. */
  eventsSince(resourceVersion: number): readonly StoredEvent[] | undefined {
    if (resourceVersion < this.compactedRevision) return undefined;
    return this.log.filter((e) => e.resourceVersion > resourceVersion);
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(keyOf(t, namespace, name));
    return found ? clone(found) : undefined;
  }

  mustGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.get(t, namespace, name);
    if (!found) throw notFound({ resource: t.plural, group: t.group, name });
    return found;
  }

  list(t: ResourceType, namespace?: string): KubeObject[] {
    const prefix = `${t.plural}.${t.group}/${namespace === undefined ? '' : `${namespace}/`}`;
    const found: KubeObject[] = [];
    for (const [key, object] of this.objects) {
      if (!key.startsWith(`${t.plural}.${t.group}/`)) continue;
      if (namespace !== undefined && !key.startsWith(prefix)) continue;
      found.push(clone(object));
    }
    return found.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** With `dryRun`, answers what would be stored without storing it (as `?dryRun=All`). */
  create(t: ResourceType, input: KubeObject, dryRun = false): KubeObject {
    const object = clone(input);
    if (!object.metadata.name && object.metadata.generateName) object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    const key = keyOf(t, object.metadata.namespace, object.metadata.name);
    if (this.objects.has(key)) throw alreadyExists({ resource: t.plural, group: t.group, name: object.metadata.name });
    object.apiVersion = apiVersionOf(t);
    object.kind = t.kind;
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    object.metadata.generation = 1;
    return dryRun ? object : this.commit(t, key, 'ADDED', object);
  }

  /** Replaces an object; a resourceVersion in `input` that is not the current one is a stale write (409). */
  update(t: ResourceType, input: KubeObject, dryRun = false): KubeObject {
    const key = keyOf(t, input.metadata.namespace, input.metadata.name);
    const current = this.objects.get(key);
    const target = { resource: t.plural, group: t.group, name: input.metadata.name };
    if (!current) throw notFound(target);
    const requested = input.metadata.resourceVersion;
    if (requested !== undefined && requested !== '' && requested !== current.metadata.resourceVersion) throw staleWrite(target);
    const object = clone(input);
    object.apiVersion = current.apiVersion;
    object.kind = current.kind;
    object.metadata.uid = current.metadata.uid;
    object.metadata.creationTimestamp = current.metadata.creationTimestamp;
    object.metadata.generation = (current.metadata.generation ?? 1) + (specOf(object) === specOf(current) ? 0 : 1);
    if (current.metadata.deletionTimestamp) object.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    // Compared whatever the order of their keys and the times of managedFields (as the real server's field manager ignores them).
    if (comparable(object) === comparable(current)) {
      return clone(current); // a no-op write does not bump the resourceVersion
    }
    if (dryRun) {
      object.metadata.resourceVersion = current.metadata.resourceVersion;
      return object;
    }
    return this.commit(t, key, 'MODIFIED', object, current);
  }

  delete(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = keyOf(t, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound({ resource: t.plural, group: t.group, name });
    this.objects.delete(key);
    this.revision += 1;
    const deleted = clone(current);
    deleted.metadata.resourceVersion = String(this.revision);
    this.record({ resourceVersion: this.revision, type: 'DELETED', resource: t, object: deleted });
    return clone(deleted);
  }

  private commit(t: ResourceType, key: string, type: WatchEventType, object: KubeObject, previous?: KubeObject): KubeObject {
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    this.objects.set(key, object);
    this.record({ resourceVersion: this.revision, type, resource: t, object: clone(object), ...(previous ? { previous } : {}) });
    return clone(object);
  }

  private record(event: StoredEvent): void {
    this.log.push(event);
    const keep = this.revision - this.compactionWindow;
    while (this.log.length > 0 && (this.log[0]?.resourceVersion ?? 0) <= keep) this.log.shift();
    for (const listener of this.listeners) listener(event);
  }
}
