/**
 * One pass over the composed YAML document, in reading order, for what yaml's own checks do in
 * quadratic time: duplicate keys (a set per mapping) and aliases (a table of the anchors seen so
 * far, instead of a walk of the whole document per alias). It also measures the size of the
 * document with every alias expanded, so that "billion laughs" is refused before toJS() builds it.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { specLimits, type LimitBreach } from './parse-limits.js';
import { keyText, type PathSegment } from './parse-positions.js';

export interface DuplicateKey {
  readonly key: string;
  readonly offset: number;
  readonly firstOffset: number;
  readonly path: readonly PathSegment[];
}

export interface AliasProblem {
  /** `unresolved`: no anchor of that name above; `cyclic`: the alias sits inside the value it names. */
  readonly kind: 'unresolved' | 'cyclic';
  readonly source: string;
  readonly offset: number;
}

export interface ReferenceCheck {
  readonly duplicates: readonly DuplicateKey[];
  readonly aliases: readonly AliasProblem[];
  readonly breach: LimitBreach | undefined;
}

function startOf(node: unknown): number {
  return (node as Node | null)?.range?.[0] ?? 0;
}

/** How yaml compares keys: scalars by value (`1` and `"1"` differ), other keys never match. */
function keyIdentity(key: unknown): unknown {
  return isScalar(key) && (typeof key.value !== 'object' || key.value === null) ? key.value : key;
}

class ReferenceWalk {
  readonly duplicates: DuplicateKey[] = [];
  readonly aliases: AliasProblem[] = [];
  breach: LimitBreach | undefined;
  private readonly anchors = new Map<string, Node>();
  /** Expanded sizes of anchored nodes, set once the node is complete: absent means still open. */
  private readonly sizes = new Map<Node, number>();
  private readonly path: PathSegment[] = [];

  /** The number of nodes `node` stands for once its aliases are expanded. */
  measure(node: unknown): number {
    if (node === null || node === undefined || this.breach) return 0;
    if (isAlias(node)) return this.aliasSize(node.source, startOf(node));
    const anchor = (node as Node).anchor;
    if (anchor) this.anchors.set(anchor, node as Node);
    let size = 1;
    if (isMap(node)) size += this.measureMap(node.items);
    else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        this.path.push(index);
        size = this.guard(size + this.measure(item), item);
        this.path.pop();
      });
    }
    if (anchor) this.sizes.set(node as Node, size);
    return size;
  }

  private measureMap(items: readonly Pair[]): number {
    const seen = new Map<unknown, Pair>();
    let size = 0;
    for (const pair of items) {
      const identity = keyIdentity(pair.key);
      const first = seen.get(identity);
      if (first) {
        const key = keyText(pair.key);
        this.duplicates.push({ key, offset: startOf(pair.key), firstOffset: startOf(first.key), path: [...this.path, key] });
      } else {
        seen.set(identity, pair);
      }
      size = this.guard(size + this.measure(pair.key), pair.key);
      this.path.push(keyText(pair.key));
      size = this.guard(size + this.measure(pair.value), pair.value);
      this.path.pop();
    }
    return size;
  }

  private aliasSize(source: string, offset: number): number {
    const target = this.anchors.get(source);
    if (!target) {
      this.aliases.push({ kind: 'unresolved', source, offset });
      return 1;
    }
    const size = this.sizes.get(target);
    if (size === undefined) {
      this.aliases.push({ kind: 'cyclic', source, offset });
      return 1;
    }
    return this.guard(size, offset);
  }

  /** Records the first place where the expanded size passes the limit. */
  private guard(size: number, at: unknown): number {
    if (size > specLimits.expandedNodes && !this.breach) {
      this.breach = { limit: 'expandedNodes', offset: typeof at === 'number' ? at : startOf(at) };
    }
    return size;
  }
}

export function checkReferences(doc: Document): ReferenceCheck {
  const walk = new ReferenceWalk();
  walk.measure(doc.contents);
  return { duplicates: walk.duplicates, aliases: walk.aliases, breach: walk.breach };
}
