/**
 * managedFields: which manager owns which leaf paths. Server-side apply sets the applier's set
 * to exactly what it applied (removing fields it applied before and nobody else owns) and fails
 * with a conflict when another manager owns a field with a different value, unless forced;
 * other writes give the writer the fields they changed.
 */
import { fromFieldsV1, leaves, pathId, removePath, toFieldsV1, trackedPart, describePath, valueAt, type FieldPath } from './field-set.js';
import { mergeValue } from './merge.js';
import { applyConflicts, type ApplyConflict } from './status.js';
import type { KubeObject } from './store.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Ownership {
  readonly entry: ManagedFieldsEntry;
  readonly paths: Map<string, FieldPath>;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function ownerships(object: KubeObject | undefined): Ownership[] {
  const entries = (object?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.map((entry) => ({ entry, paths: new Map(fromFieldsV1(entry.fieldsV1).map((p) => [pathId(p), p])) }));
}

function writeOwnerships(object: KubeObject, owned: readonly Ownership[]): void {
  const entries = owned
    .filter((o) => o.paths.size > 0)
    .map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.paths.values()) }));
  if (entries.length > 0) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface ApplyRequest {
  readonly live: KubeObject | undefined;
  readonly applied: KubeObject;
  readonly manager: string;
  readonly force: boolean;
  readonly subresource?: 'status';
}

/** The object after `manager` applies `applied`; throws the 409 conflict Status when another manager owns a field it changes. */
export function serverSideApply(request: ApplyRequest): KubeObject {
  const { live, applied, manager, force, subresource } = request;
  const appliedLeaves = leaves(trackedPart(applied as Record<string, unknown>, subresource));
  const owned = ownerships(live);
  const conflicts: ApplyConflict[] = [];
  const losers: { owner: Ownership; id: string }[] = [];
  for (const owner of owned) {
    if (owner.entry.manager === manager && owner.entry.operation === 'Apply') continue;
    for (const [id, { path, value }] of appliedLeaves) {
      if (!owner.paths.has(id)) continue;
      if (owner.entry.manager === manager || sameValue(valueAt(live, path), value)) continue;
      if (force) losers.push({ owner, id });
      else conflicts.push({ manager: owner.entry.manager, field: describePath(path) });
    }
  }
  if (conflicts.length > 0) throw applyConflicts(conflicts, applied.apiVersion);
  for (const { owner, id } of losers) owner.paths.delete(id);

  const merged = mergeValue(live ?? {}, applied, 'apply') as KubeObject;
  const mine = owned.find((o) => o.entry.manager === manager && o.entry.operation === 'Apply' && o.entry.subresource === subresource);
  for (const [id, path] of mine?.paths ?? []) {
    if (appliedLeaves.has(id)) continue;
    const ownedElsewhere = owned.some((o) => o !== mine && o.paths.has(id));
    if (!ownedElsewhere) removePath(merged as Record<string, unknown>, path);
  }
  const entry: ManagedFieldsEntry = { manager, operation: 'Apply', apiVersion: applied.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {}, ...(subresource ? { subresource } : {}) };
  const next: Ownership = { entry, paths: new Map([...appliedLeaves].map(([id, l]) => [id, l.path])) };
  // An update entry of the same manager is folded into its apply entry, as the real server does.
  writeOwnerships(merged, [...owned.filter((o) => o !== mine && !(o.entry.manager === manager && o.entry.subresource === subresource)), next]);
  return merged;
}

export interface UpdateRequest {
  readonly before: KubeObject | undefined;
  readonly after: KubeObject;
  readonly manager: string;
  readonly subresource?: 'status';
}

/** Gives `manager` (operation Update) the fields this write changed, taking them from their previous owners. */
export function recordUpdate(request: UpdateRequest): void {
  const { before, after, manager, subresource } = request;
  const owned = ownerships(before);
  const old = leaves(trackedPart((before ?? {}) as Record<string, unknown>, subresource));
  const current = leaves(trackedPart(after as Record<string, unknown>, subresource));
  const changed = [...current].filter(([id, l]) => !old.has(id) || !sameValue(old.get(id)?.value, l.value));
  const removed = [...old.keys()].filter((id) => !current.has(id));
  for (const owner of owned) {
    for (const [id] of changed) owner.paths.delete(id);
    for (const id of removed) owner.paths.delete(id);
  }
  let mine = owned.find((o) => o.entry.manager === manager && o.entry.operation === 'Update' && o.entry.subresource === subresource);
  if (!mine && changed.length > 0) {
    mine = { entry: { manager, operation: 'Update', apiVersion: after.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {}, ...(subresource ? { subresource } : {}) }, paths: new Map() };
    owned.push(mine);
  }
  if (mine && changed.length > 0) {
    mine.entry.time = now();
    for (const [id, l] of changed) mine.paths.set(id, l.path);
  }
  writeOwnerships(after, owned);
}
