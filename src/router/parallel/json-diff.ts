/**
 * Structural comparison of two JSON values, ignoring field paths such as `meta.time` or
 * `items.*.id` (`*` matches any one key or array index; an ignored path hides its whole subtree).
 * Each difference carries its concrete path (`items.3.price`) and its key path with array
 * indexes as `*` (`items.*.price`), so one field differing in every item counts once. Pure.
 */

export interface IgnoreTree {
  /** This path itself is ignored (with everything under it). */
  readonly ignored: boolean;
  readonly children: ReadonlyMap<string, IgnoreTree>;
  readonly any: IgnoreTree | undefined;
}

interface MutableIgnoreTree {
  ignored: boolean;
  children: Map<string, MutableIgnoreTree>;
  any: MutableIgnoreTree | undefined;
}

const emptyTree: IgnoreTree = { ignored: false, children: new Map(), any: undefined };

export function compileIgnoreFields(fields: readonly string[]): IgnoreTree {
  if (fields.length === 0) return emptyTree;
  const root: MutableIgnoreTree = { ignored: false, children: new Map(), any: undefined };
  for (const field of fields) {
    let node = root;
    for (const segment of field.split('.')) {
      if (segment === '*') {
        node = node.any ??= { ignored: false, children: new Map(), any: undefined };
      } else {
        let next = node.children.get(segment);
        if (next === undefined) node.children.set(segment, (next = { ignored: false, children: new Map(), any: undefined }));
        node = next;
      }
    }
    node.ignored = true;
  }
  return root;
}

export interface JsonDifference {
  /** Dotted path with concrete indexes; '' for the root. */
  readonly path: string;
  /** Dotted path with array indexes as `*`; '' for the root. */
  readonly keyPath: string;
  /** undefined where the field is absent on that side. */
  readonly trusted: unknown;
  readonly candidate: unknown;
}

const noNodes: readonly IgnoreTree[] = [];

function step(nodes: readonly IgnoreTree[], segment: string): readonly IgnoreTree[] | null {
  if (nodes.length === 0) return noNodes;
  const next: IgnoreTree[] = [];
  for (const node of nodes) {
    const child = node.children.get(segment);
    if (child !== undefined) {
      if (child.ignored) return null;
      next.push(child);
    }
    if (node.any !== undefined) {
      if (node.any.ignored) return null;
      next.push(node.any);
    }
  }
  return next;
}

function join(base: string, segment: string): string {
  return base === '' ? segment : `${base}.${segment}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Walker {
  readonly found: JsonDifference[] = [];
  constructor(private readonly limit: number) {}

  get full(): boolean {
    return this.found.length >= this.limit;
  }

  add(path: string, keyPath: string, trusted: unknown, candidate: unknown): void {
    if (!this.full) this.found.push({ path, keyPath, trusted, candidate });
  }

  walk(a: unknown, b: unknown, path: string, keyPath: string, nodes: readonly IgnoreTree[]): void {
    if (this.full) return;
    if (Array.isArray(a) && Array.isArray(b)) {
      const common = Math.min(a.length, b.length);
      for (let i = 0; i < common && !this.full; i++) {
        const segment = String(i);
        const next = step(nodes, segment);
        if (next === null) continue;
        this.walk(a[i], b[i], join(path, segment), join(keyPath, '*'), next);
      }
      if (a.length !== b.length) this.add(path, keyPath, `(${a.length} items)`, `(${b.length} items)`);
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        if (this.full) return;
        const next = step(nodes, key);
        if (next === null) continue;
        const childPath = join(path, key);
        const childKey = join(keyPath, key);
        if (!Object.hasOwn(b, key)) this.add(childPath, childKey, a[key], undefined);
        else this.walk(a[key], b[key], childPath, childKey, next);
      }
      for (const key of Object.keys(b)) {
        if (this.full) return;
        if (Object.hasOwn(a, key)) continue;
        if (step(nodes, key) === null) continue;
        this.add(join(path, key), join(keyPath, key), undefined, b[key]);
      }
      return;
    }
    if (a === b) return;
    // Different types, or different primitives.
    this.add(path, keyPath, a, b);
  }
}

/** The differences between two parsed JSON values, at most `limit` of them. */
export function diffJson(trusted: unknown, candidate: unknown, ignore: IgnoreTree, limit = 20): JsonDifference[] {
  if (ignore.ignored) return [];
  const walker = new Walker(limit);
  walker.walk(trusted, candidate, '', '', ignore === emptyTree ? noNodes : [ignore]);
  return walker.found;
}
