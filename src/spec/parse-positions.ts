/**
 * Finds where a field path of the parsed value was written in the YAML text, so an error can
 * carry file:line:column.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLMap } from 'yaml';

export type PathSegment = string | number;

export interface FilePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Where to point for a path: at its `value`, at its `key` (unknown or badly named keys), or at
 * the `parent` mapping (a missing key, which has no place of its own).
 */
export type Anchor = 'value' | 'key' | 'parent';

export type Locate = (path: readonly PathSegment[], anchor: Anchor) => FilePosition;

interface Found {
  /** The node at the end of the path, or the deepest one reached when the path is not in the text. */
  readonly node: unknown;
  /** The key of the pair holding `node`, when it sits in a mapping. */
  readonly key: unknown;
  readonly complete: boolean;
}

const maxMergeDepth = 8;

/** The key as `toJS()` turns it into an object property name. */
export function keyText(key: unknown): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return String(key);
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || typeof key.value === 'symbol') && key.source === '<<';
}

function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function findPair(doc: Document, map: YAMLMap, wanted: string, depth: number): { key: unknown; value: unknown } | undefined {
  // The last of duplicate keys wins in toJS(); duplicates are reported separately anyway.
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (pair && !isMergeKey(pair.key) && keyText(pair.key) === wanted) return pair;
  }
  if (depth >= maxMergeDepth) return undefined;
  // `<<: *base` merges: the field was written in the anchored mapping.
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    const source = resolveAlias(doc, pair.value);
    const sources = isSeq(source) ? source.items.map((item) => resolveAlias(doc, item)) : [source];
    for (const candidate of sources) {
      if (!isMap(candidate)) continue;
      const found = findPair(doc, candidate, wanted, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function walk(doc: Document, path: readonly PathSegment[]): Found {
  let node: unknown = doc.contents;
  let key: unknown = null;
  for (const segment of path) {
    const container = resolveAlias(doc, node);
    if (isMap(container)) {
      const pair = findPair(doc, container, String(segment), 0);
      if (!pair) return { node, key, complete: false };
      key = pair.key;
      node = pair.value;
    } else if (isSeq(container) && /^\d+$/.test(String(segment))) {
      const item: unknown = container.items[Number(segment)];
      if (item === undefined) return { node, key, complete: false };
      key = null;
      node = item;
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** `key:` with nothing after it has an empty null scalar just past the colon; point at the key. */
function isEmptyValue(node: unknown): boolean {
  if (node === null || node === undefined) return true;
  return isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1];
}

function offsetFor(found: Found, anchor: Anchor): number | undefined {
  if (anchor === 'key' && found.complete) {
    const keyStart = startOf(found.key);
    if (keyStart !== undefined) return keyStart;
  }
  if (isEmptyValue(found.node)) return startOf(found.key) ?? startOf(found.node);
  return startOf(found.node) ?? startOf(found.key);
}

/** Builds a `Locate` for one parsed document; positions are 1-based and always inside the text. */
export function createLocator(doc: Document, lineCounter: LineCounter, file: string, text: string): Locate {
  const lastLine = countLines(text);
  return (path, anchor) => {
    const found = anchor === 'parent' ? walk(doc, path.slice(0, -1)) : walk(doc, path);
    const offset = offsetFor(found, anchor === 'parent' ? 'value' : anchor);
    return offset === undefined ? { file, line: 1, column: 1 } : positionAt(lineCounter, file, offset, lastLine);
  };
}

/** Lines as the YAML parser counts them: only `\n` ends a line (`\r\n` included). */
export function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

export function positionAt(lineCounter: LineCounter, file: string, offset: number, lastLine: number): FilePosition {
  const { line, col } = lineCounter.linePos(offset);
  const clampedLine = Math.min(Math.max(1, line), lastLine);
  return { file, line: clampedLine, column: clampedLine === line ? Math.max(1, col) : 1 };
}
