/** The three merges a write can ask for: server-side apply's, JSON merge patch (RFC 7386) and strategic merge patch. */
import { itemKey, mergeKeyOf } from './field-set.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export type MergeMode = 'apply' | 'json-merge' | 'strategic';

/**
 * Merges `patch` into `live`. JSON merge patch replaces lists; apply and strategic merge merge
 * lists that have a merge key item by item (strategic: `$patch: delete` removes an item).
 * Null deletes a field in both patch kinds.
 */
export function mergeValue(live: Json, patch: Json, mode: MergeMode): Json {
  if (isObject(patch)) {
    const base: JsonObject = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) continue; // strategic-merge directives ($setElementOrder, $retainKeys) need no effect here
      if (value === null && mode !== 'apply') delete base[key];
      else if (value !== null) base[key] = mergeValue(base[key], value, mode);
    }
    return base;
  }
  if (Array.isArray(patch) && Array.isArray(live) && mode !== 'json-merge') {
    const keys = mergeKeyOf(patch.filter((item) => !(isObject(item) && item.$patch === 'delete'))) ?? mergeKeyOf(live);
    if (keys && live.every(isObject) && patch.every(isObject)) return mergeKeyedList(live as JsonObject[], patch as JsonObject[], keys, mode);
  }
  return structuredClone(patch);
}

function mergeKeyedList(live: JsonObject[], patch: JsonObject[], keys: readonly string[], mode: MergeMode): JsonObject[] {
  const result = live.map((item) => ({ ...item }));
  for (const item of patch) {
    const key = itemKey(item, keys);
    const index = result.findIndex((existing) => itemKey(existing, keys) === key);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = mergeValue(result[index], item, mode) as JsonObject;
    else result.push(mergeValue(undefined, item, mode) as JsonObject);
  }
  return result;
}

/** RFC 6902 JSON patch: add, remove, replace, test. */
export function jsonPatch(target: Json, operations: readonly { op: string; path: string; value?: Json }[]): Json {
  const root = { value: structuredClone(target) } as JsonObject;
  for (const op of operations) {
    const parts = ['value', ...op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))];
    const last = parts.pop() as string;
    let parent: Json = root;
    for (const part of parts) parent = Array.isArray(parent) ? parent[Number(part)] : (parent as JsonObject)[part];
    if (!isObject(parent) && !Array.isArray(parent)) throw new Error(`path ${op.path} does not exist`);
    const container = parent as JsonObject & Json[];
    if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete container[last];
    } else if (op.op === 'add' && Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
    else if (op.op === 'add' || op.op === 'replace') container[last] = op.value;
    else if (op.op === 'test' && JSON.stringify(container[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
  }
  return root.value;
}
