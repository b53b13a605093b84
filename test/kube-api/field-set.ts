/**
 * Field sets as server-side apply tracks them: the leaf paths of an object, with lists of
 * objects that have a merge key (containers by name, ports by port) as maps keyed by
 * `k:{...}` and every other list atomic, encoded as managedFields' FieldsV1.
 */

/** One path: segments like `f:spec`, `k:{"name":"web"}`. */
export type FieldPath = readonly string[];

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The merge key of a list of objects, or undefined when the list is atomic. */
export function mergeKeyOf(list: readonly Json[]): readonly string[] | undefined {
  if (list.length === 0 || !list.every(isObject)) return undefined;
  const items = list as JsonObject[];
  const candidates: readonly (readonly string[])[] = [['containerPort', 'protocol'], ['port', 'protocol'], ['mountPath'], ['name'], ['type']];
  for (const keys of candidates) {
    const first = keys[0] as string;
    if (items.every((item) => item[first] !== undefined)) return keys.filter((k) => items.some((item) => item[k] !== undefined));
  }
  return undefined;
}

export function itemKey(item: JsonObject, keys: readonly string[]): string {
  const picked: JsonObject = {};
  for (const k of keys) if (item[k] !== undefined) picked[k] = item[k];
  return `k:${JSON.stringify(picked)}`;
}

/** What server-side apply does not track: identity and server-set metadata. */
const UNTRACKED_ROOT = new Set(['apiVersion', 'kind']);
const UNTRACKED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'managedFields', 'selfLink']);

/** The part of an object a write through `subresource` may own. */
export function trackedPart(object: JsonObject, subresource: 'status' | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (UNTRACKED_ROOT.has(key)) continue;
    if (subresource === 'status' ? key !== 'status' : key === 'status') continue;
    if (key === 'metadata' && isObject(value)) {
      const meta = Object.fromEntries(Object.entries(value).filter(([k]) => !UNTRACKED_METADATA.has(k)));
      if (Object.keys(meta).length > 0) out.metadata = meta;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** Every leaf path of `value` with the value found there. */
export function leaves(value: Json, prefix: FieldPath = []): Map<string, { path: FieldPath; value: Json }> {
  const out = new Map<string, { path: FieldPath; value: Json }>();
  const visit = (v: Json, path: FieldPath): void => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) visit(child, [...path, `f:${k}`]);
      return;
    }
    if (Array.isArray(v)) {
      const keys = mergeKeyOf(v);
      if (keys) {
        for (const item of v as JsonObject[]) {
          const itemPath = [...path, itemKey(item, keys)];
          out.set(pathId([...itemPath, '.']), { path: [...itemPath, '.'], value: true });
          visit(item, itemPath);
        }
        return;
      }
    }
    out.set(pathId(path), { path, value: v });
  };
  visit(value, prefix);
  return out;
}

export const pathId = (path: FieldPath): string => path.join('\u0000');

/** `.spec.template.spec.containers[name="web"].image`, as conflict messages write a path. */
export function describePath(path: FieldPath): string {
  return path
    .filter((s) => s !== '.')
    .map((s) => {
      if (s.startsWith('f:')) return `.${s.slice(2)}`;
      const key = JSON.parse(s.slice(2)) as JsonObject;
      return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

export function toFieldsV1(paths: Iterable<FieldPath>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path) {
      const next = (node[segment] as JsonObject | undefined) ?? {};
      node[segment] = next;
      node = next;
    }
  }
  return root;
}

export function fromFieldsV1(fields: JsonObject): FieldPath[] {
  const out: FieldPath[] = [];
  const visit = (node: JsonObject, path: FieldPath): void => {
    const entries = Object.entries(node);
    if (entries.length === 0 && path.length > 0) out.push(path);
    for (const [segment, child] of entries) visit(isObject(child) ? child : {}, [...path, segment]);
  };
  visit(fields, []);
  return out;
}

/** The value at `path`, or undefined. */
export function valueAt(object: Json, path: FieldPath): Json {
  let current: Json = object;
  for (const segment of path) {
    if (segment === '.') return current === undefined ? undefined : true;
    if (segment.startsWith('f:')) {
      if (!isObject(current)) return undefined;
      current = current[segment.slice(2)];
    } else {
      if (!Array.isArray(current)) return undefined;
      const keys = Object.keys(JSON.parse(segment.slice(2)) as JsonObject);
      current = current.find((item) => isObject(item) && itemKey(item, keys) === segment);
    }
  }
  return current;
}

/** Removes the field (or list item, for a path ending in `k:…/.`) at `path`; empty parents are removed too. */
export function removePath(object: JsonObject, path: FieldPath): void {
  const segments = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  const parentPath = segments.slice(0, -1);
  const last = segments[segments.length - 1];
  if (last === undefined) return;
  const parent = valueAt(object, parentPath);
  if (last.startsWith('f:') && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const keys = Object.keys(JSON.parse(last.slice(2)) as JsonObject);
    const index = parent.findIndex((item) => isObject(item) && itemKey(item, keys) === last);
    if (index >= 0) parent.splice(index, 1);
  }
  if (parentPath.length > 0) {
    const emptied = isObject(parent) ? Object.keys(parent).length === 0 : Array.isArray(parent) && parent.length === 0;
    if (emptied) removePath(object, parentPath);
  }
}
