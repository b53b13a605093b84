/**
 * Parses and validates `skiff.yaml`. Every problem is reported at once, each with its code,
 * field path, file:line:column and a hint, sorted by position. Never throws.
 */
import { Composer, LineCounter, YAMLParseError, isMap, type CST, type Document, type YAMLError } from 'yaml';
import type { ErrorDetail } from '../core/errors.js';
import { issuesToDetails, formatPath } from './parse-issues.js';
import { limitDetail } from './parse-limits.js';
import { countLines, createLocator, positionAt, type FilePosition } from './parse-positions.js';
import { checkReferences, type AliasProblem, type DuplicateKey } from './parse-references.js';
import { readTokens } from './parse-tokens.js';
import { specSchema, type Spec } from './schema.js';

export type ParseResult = { ok: true; spec: Spec } | { ok: false; errors: ErrorDetail[] };

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
  const at = (offset: number): FilePosition => positionAt(lineCounter, file, offset, lastLine);
  const read = readTokens(text, lineCounter);
  if (!read.ok) return { ok: false, errors: [limitDetail(read.breach, at(read.breach.offset))] };
  const doc = composeDocument(read.tokens, text.length);
  const references = checkReferences(doc);
  const syntaxErrors = [...doc.errors.map((error) => syntaxDetail(error, at)), ...references.duplicates.map((entry) => duplicateDetail(entry, at))];
  if (syntaxErrors.length > 0) return { ok: false, errors: sortDetails(syntaxErrors) };
  if (references.aliases.length > 0) return { ok: false, errors: references.aliases.map((entry) => aliasDetail(entry, at)) };
  if (references.breach) return { ok: false, errors: [limitDetail(references.breach, at(references.breach.offset))] };
  // Aliases are resolved and bounded above; yaml's own alias count would walk the document per alias.
  const data: unknown = doc.toJS({ maxAliasCount: -1 });
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

/** The first document of the file; a second one is an error, as in yaml's parseDocument(). */
function composeDocument(tokens: readonly CST.Token[], length: number): Document.Parsed {
  // Duplicate keys are found by checkReferences(): yaml's check compares each key with all before it.
  const composer = new Composer({ prettyErrors: false, merge: true, uniqueKeys: false, logLevel: 'error' });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (doc === undefined) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  if (doc === undefined) throw new Error('the YAML composer produced no document');
  return doc;
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

function syntaxDetail(error: YAMLError, at: (offset: number) => FilePosition): ErrorDetail {
  const hint = syntaxHints[error.code];
  return {
    code: 'SKIFF_SPEC_YAML_SYNTAX',
    message: error.message,
    position: at(error.pos[0]),
    ...(hint ? { hint } : {}),
  };
}

function duplicateDetail(duplicate: DuplicateKey, at: (offset: number) => FilePosition): ErrorDetail {
  const first = at(duplicate.firstOffset);
  return {
    code: 'SKIFF_SPEC_YAML_SYNTAX',
    message: `duplicate key "${duplicate.key}": a key may appear only once in a mapping`,
    ...(duplicate.path.length > 0 ? { path: formatPath(duplicate.path) } : {}),
    position: at(duplicate.offset),
    hint: `keep one of them: the first "${duplicate.key}" is at line ${first.line}, column ${first.column}`,
  };
}

function aliasDetail(problem: AliasProblem, at: (offset: number) => FilePosition): ErrorDetail {
  const position = at(problem.offset);
  if (problem.kind === 'cyclic') {
    return {
      code: 'SKIFF_SPEC_YAML_SYNTAX',
      message: `the alias *${problem.source} is inside the value anchored as &${problem.source}, which would make it endless`,
      position,
      hint: `move *${problem.source} out of the value it refers to, or write the value out`,
    };
  }
  return {
    code: 'SKIFF_SPEC_YAML_SYNTAX',
    message: `the alias *${problem.source} refers to no anchor`,
    position,
    hint: `define the anchor &${problem.source} on a value above this line, or remove the alias`,
  };
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

