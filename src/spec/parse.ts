/**
 * Parses and validates `skiff.yaml`. Every problem is reported at once, each with its code,
 * field path, file:line:column and a hint, sorted by position. Never throws.
 */
import { LineCounter, isMap, isPair, isSeq, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { ErrorDetail } from '../core/errors.js';
import { issuesToDetails, formatPath } from './parse-issues.js';
import { countLines, createLocator, keyText, positionAt, type PathSegment } from './parse-positions.js';
import { specSchema, type Spec } from './schema.js';

export type ParseResult = { ok: true; spec: Spec } | { ok: false; errors: ErrorDetail[] };

/** Beyond this many alias expansions the file is treated as hostile ("billion laughs"). */
const maxAliasCount = 1000;

const minimalSpecHint = 'a spec is a mapping with at least `name: my-system` and a `services:` mapping';

const syntaxHints: Partial<Record<YAMLError['code'], string>> = {
  BAD_INDENT: 'indent with spaces so that the items of one mapping or list start in the same column',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MULTIPLE_DOCS: 'keep one document in the file: remove the extra `---` line',
  BAD_DQ_ESCAPE: 'inside double quotes write a backslash as \\\\, or use single quotes',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line: check for a missing `:` or an unclosed quote on the line above',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check for a missing `:` or an unclosed quote',
  MISSING_CHAR: 'add the missing character; check that brackets, braces and quotes are closed',
  UNEXPECTED_TOKEN: 'check for a stray character, a missing `:` or an unclosed quote',
  BAD_SCALAR_START: 'put the value in quotes: plain values cannot start with this character',
  BAD_ALIAS: 'define the anchor (`&name`) before using the alias (`*name`)',
  BLOCK_IN_FLOW: 'inside [ ] or { } write values on one line, separated by commas',
  KEY_OVER_1024_CHARS: 'shorten the key or write it as an explicit key (`? key`)',
  RESOURCE_EXHAUSTION: 'use fewer aliases: expand the repeated parts',
};

export function parseSpec(text: string, file: string): ParseResult {
  try {
    return parseUnchecked(typeof text === 'string' ? text : String(text), file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [
        {
          code: 'SKIFF_INTERNAL',
          message: `could not check the spec: ${reason}`,
          position: { file, line: 1, column: 1 },
          hint: 'this is a bug in Skiff; please report it together with the file',
        },
      ],
    };
  }
}

function parseUnchecked(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const lastLine = countLines(text);
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((error) => syntaxDetail(doc, error, lineCounter, file, lastLine));
    return { ok: false, errors: sortDetails(errors) };
  }
  const aliasErrors = unresolvedAliases(doc, lineCounter, file, lastLine);
  if (aliasErrors.length > 0) return { ok: false, errors: aliasErrors };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /excessive alias/i.test(reason) ? syntaxHints.RESOURCE_EXHAUSTION : undefined;
    return { ok: false, errors: [{ code: 'SKIFF_SPEC_YAML_SYNTAX', message: reason, position: { file, line: 1, column: 1 }, ...(hint ? { hint } : {}) }] };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !isMap(doc.contents)) {
    return { ok: false, errors: [topLevelError(data, file)] };
  }
  const result = specSchema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, spec: result.data };
  const locate = createLocator(doc, lineCounter, file, text);
  const errors = issuesToDetails(result.error.issues, { root: specSchema, data, locate });
  if (errors.length === 0) {
    errors.push({ code: 'SKIFF_SPEC_INVALID', message: result.error.message, position: { file, line: 1, column: 1 } });
  }
  return { ok: false, errors: sortDetails(dedupe(errors)) };
}

function topLevelError(data: unknown, file: string): ErrorDetail {
  const position = { file, line: 1, column: 1 };
  if (data === null || data === undefined) {
    return { code: 'SKIFF_SPEC_INVALID_VALUE', message: 'the file is empty', position, hint: minimalSpecHint };
  }
  const got = Array.isArray(data) ? 'a list' : typeof data === 'string' ? 'text' : `the value ${String(data)}`;
  return {
    code: 'SKIFF_SPEC_INVALID_VALUE',
    message: `expected a mapping at the top level of the file, got ${got}`,
    position,
    hint: minimalSpecHint,
  };
}

function syntaxDetail(doc: Document, error: YAMLError, lineCounter: LineCounter, file: string, lastLine: number): ErrorDetail {
  const position = positionAt(lineCounter, file, error.pos[0], lastLine);
  if (error.code === 'DUPLICATE_KEY') {
    const duplicate = findDuplicate(doc, error.pos[0]);
    if (duplicate) {
      const first = positionAt(lineCounter, file, duplicate.firstOffset, lastLine);
      return {
        code: 'SKIFF_SPEC_YAML_SYNTAX',
        message: `duplicate key "${duplicate.key}": a key may appear only once in a mapping`,
        ...(duplicate.path.length > 0 ? { path: formatPath(duplicate.path) } : {}),
        position,
        hint: `keep one of them: the first "${duplicate.key}" is at line ${first.line}, column ${first.column}`,
      };
    }
  }
  const hint = syntaxHints[error.code];
  return {
    code: 'SKIFF_SPEC_YAML_SYNTAX',
    message: error.message,
    position,
    ...(hint ? { hint } : {}),
  };
}

/** Aliases (`*name`) with no anchor (`&name`) before them; toJS() would throw on the first one. */
function unresolvedAliases(doc: Document, lineCounter: LineCounter, file: string, lastLine: number): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return;
      errors.push({
        code: 'SKIFF_SPEC_YAML_SYNTAX',
        message: `the alias *${alias.source} refers to no anchor`,
        position: positionAt(lineCounter, file, alias.range?.[0] ?? 0, lastLine),
        hint: `define the anchor &${alias.source} on a value above this line, or remove the alias`,
      });
    },
  });
  return errors;
}

/** The repeated key at `offset`, where its first occurrence is, and its field path. */
function findDuplicate(doc: Document, offset: number): { key: string; firstOffset: number; path: PathSegment[] } | undefined {
  let found: { key: string; firstOffset: number; path: PathSegment[] } | undefined;
  visit(doc, {
    Map(_, map, ancestors) {
      const index = map.items.findIndex((pair) => (pair.key as { range?: number[] } | null)?.range?.[0] === offset);
      const pair = map.items[index];
      if (!pair) return undefined;
      const key = keyText(pair.key);
      const first = map.items.find((other) => keyText(other.key) === key);
      const firstOffset = (first?.key as { range?: number[] } | null)?.range?.[0] ?? offset;
      found = { key, firstOffset, path: [...pathOf(ancestors, map), key] };
      return visit.BREAK;
    },
  });
  return found;
}

function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && child === parent.value) path.push(keyText(parent.key));
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
  }
  return path;
}

function dedupe(details: readonly ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return details.filter((entry) => {
    const key = JSON.stringify([entry.code, entry.path, entry.message, entry.position]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortDetails(details: readonly ErrorDetail[]): ErrorDetail[] {
  return [...details].sort(
    (a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0),
  );
}

