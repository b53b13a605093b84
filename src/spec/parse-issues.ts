/**
 * Turns zod issues into positioned error details: the right code, a message in plain words and
 * a hint that says how to fix the file.
 */
import type { z } from 'zod';
import type { ErrorCode, ErrorDetail } from '../core/errors.js';
import type { Anchor, Locate, PathSegment } from './parse-positions.js';
import {
  allowedValues,
  allowedValuesHint,
  expectedText,
  fieldPurpose,
  fixHint,
  objectKeys,
  recordParts,
  schemaAt,
  type SchemaAt,
} from './parse-schema-info.js';
import type { SpecIssueParams } from './schema.js';
import { suggestionHint } from './suggest.js';

type Issue = z.core.$ZodIssue;

export interface IssueContext {
  readonly root: z.core.$ZodType;
  /** The value that was validated (the YAML as plain data). */
  readonly data: unknown;
  readonly locate: Locate;
}

/** Deep enough for any real spec; stops runaway recursion on pathological input. */
const maxNesting = 16;

export function issuesToDetails(issues: readonly Issue[], ctx: IssueContext): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const issue of issues) convert(issue, [], ctx, out, 0);
  return out;
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(data: unknown, path: readonly PathSegment[]): { present: boolean; value: unknown } {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && /^\d+$/.test(String(segment)) && Number(segment) < current.length) {
      current = current[Number(segment)];
    } else if (isRecordLike(current) && Object.hasOwn(current, String(segment))) {
      current = current[String(segment)];
    } else {
      return { present: false, value: undefined };
    }
  }
  return { present: true, value: current };
}

/** A dotted field path; keys that would make it ambiguous are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((segment) => (/^[\w-]+$/.test(String(segment)) ? String(segment) : JSON.stringify(String(segment)))).join('.');
}

function where(parent: readonly PathSegment[]): string {
  return parent.length === 0 ? 'at the top level' : `under ${formatPath(parent)}`;
}

/** The value as a person would name it in a message: `"two"`, `2.5`, `a list`, `an empty value`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Date) return 'a date';
  if (value instanceof Set) return 'a set';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function lastKey(path: readonly PathSegment[]): string | undefined {
  const last = path[path.length - 1];
  return typeof last === 'string' ? last : undefined;
}

interface DetailInput {
  readonly code: ErrorCode;
  readonly path: readonly PathSegment[];
  readonly anchor: Anchor;
  readonly message: string;
  readonly hint?: string | undefined;
}

function detail({ code, path, anchor, message, hint }: DetailInput, ctx: IssueContext): ErrorDetail {
  return {
    code,
    message,
    ...(path.length > 0 ? { path: formatPath(path) } : {}),
    position: ctx.locate(path, anchor),
    ...(hint ? { hint } : {}),
  };
}

function isMissing(path: readonly PathSegment[], data: unknown): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(data, path.slice(0, -1));
  return parent.present && isRecordLike(parent.value) && !Object.hasOwn(parent.value, String(path[path.length - 1]));
}

function missingKey(path: readonly PathSegment[], ctx: IssueContext): ErrorDetail {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const at = schemaAt(ctx.root, path);
  const purpose = fieldPurpose(at) ?? (at ? expectedText(at) : undefined);
  const message = `missing required key "${key}" ${parent.length === 0 ? 'at the top level' : `in ${formatPath(parent)}`}`;
  const hint = `add "${key}:" ${where(parent)}${purpose ? ` — ${purpose}` : ''}`;
  return detail({ code: 'SKIFF_SPEC_MISSING_KEY', path, anchor: 'parent', message, hint }, ctx);
}

function invalidValue(path: readonly PathSegment[], message: string, at: SchemaAt | undefined, got: unknown, ctx: IssueContext): ErrorDetail {
  const hint = at ? fixHint(at, got, lastKey(path)) : undefined;
  return detail({ code: 'SKIFF_SPEC_INVALID_VALUE', path, anchor: 'value', message, hint }, ctx);
}

function unknownKeys(issue: Issue & { code: 'unrecognized_keys' }, path: readonly PathSegment[], ctx: IssueContext, out: ErrorDetail[]): void {
  const allowed = objectKeys(schemaAt(ctx.root, path));
  for (const key of issue.keys) {
    const message = `unknown key "${key}" ${path.length === 0 ? 'at the top level' : `in ${formatPath(path)}`}`;
    const hint = suggestionHint(key, allowed, 'keys here');
    out.push(detail({ code: 'SKIFF_SPEC_UNKNOWN_KEY', path: [...path, key], anchor: 'key', message, hint }, ctx));
  }
}

/** A lowercase-and-dashes version of a bad name, offered as the fix when it is valid. */
function nameFix(name: string, schema: z.core.$ZodType | undefined): string | undefined {
  const fixed = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63);
  return fixed !== '' && fixed !== name && schema !== undefined && isValid(schema, fixed) ? fixed : undefined;
}

function isValid(schema: z.core.$ZodType, value: unknown): boolean {
  const result = schema['~standard'].validate(value);
  return !(result instanceof Promise) && result.issues === undefined;
}

function badRecordKey(issue: Issue & { code: 'invalid_key' }, path: readonly PathSegment[], ctx: IssueContext, out: ErrorDetail[], depth: number): void {
  const key = String(path[path.length - 1]);
  const parts = recordParts(schemaAt(ctx.root, path.slice(0, -1)));
  const reason = issue.issues.map((inner) => inner.message).find((text) => !text.startsWith('Invalid')) ?? 'not allowed here';
  const fix = nameFix(key, parts?.keyType);
  const hint = fix !== undefined ? `rename it to "${fix}"` : `rename it: ${reason}`;
  const message = `invalid name "${key}": ${reason}`;
  out.push(detail({ code: 'SKIFF_SPEC_INVALID_VALUE', path, anchor: 'key', message, hint }, ctx));
  // zod skips the value of a badly named entry; check it too so every problem shows at once.
  const value = valueAt(ctx.data, path);
  if (parts && value.present) {
    const result = (parts.valueType as z.ZodType).safeParse(value.value, { reportInput: true });
    if (!result.success) for (const inner of result.error.issues) convert(inner, path, ctx, out, depth + 1);
  }
}

/**
 * The branch of a union the value was meant for: one that did not fail on the value's type
 * itself, and among objects, one that knows all the value's keys (`tls: { acme: … }` is the
 * acme branch even when the cert-and-key branch comes first).
 */
function intendedBranch(issue: Issue & { code: 'invalid_union' }): readonly Issue[] | undefined {
  const candidates = issue.errors.filter(
    (branch) => branch.length > 0 && !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
  );
  return candidates.find((branch) => !branch.some((inner) => inner.code === 'unrecognized_keys' && inner.path.length === 0)) ?? candidates[0];
}

function rangeMessage(issue: Issue & { code: 'too_small' | 'too_big' }, at: SchemaAt | undefined, got: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum);
  switch (issue.origin) {
    case 'number':
      return `expected ${at ? expectedText(at, small ? 'lower' : 'upper') : `a number ${small ? '≥' : '≤'} ${limit}`}, got ${describeValue(got)}`;
    case 'string':
      if (small && limit === 1) return 'must not be empty';
      return `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
    case 'array':
      if (small && limit === 1) return 'must not be an empty list';
      return `must have ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return issue.message;
  }
}

function convert(issue: Issue, prefix: readonly PathSegment[], ctx: IssueContext, out: ErrorDetail[], depth: number): void {
  const path: PathSegment[] = [...prefix, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
  const got = 'input' in issue && issue.input !== undefined ? issue.input : valueAt(ctx.data, path).value;
  const at = schemaAt(ctx.root, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      unknownKeys(issue, path, ctx, out);
      return;
    case 'invalid_key':
      badRecordKey(issue, path, ctx, out, depth);
      return;
    case 'invalid_union': {
      if (isMissing(path, ctx.data)) return void out.push(missingKey(path, ctx));
      const branch = depth < maxNesting ? intendedBranch(issue) : undefined;
      if (branch) {
        for (const inner of branch) convert(inner, path, ctx, out, depth + 1);
        return;
      }
      const expected = at ? expectedText(at) : 'a different value';
      return void out.push(invalidValue(path, `expected ${expected}, got ${describeValue(got)}`, at, got, ctx));
    }
    case 'invalid_type': {
      if (isMissing(path, ctx.data)) return void out.push(missingKey(path, ctx));
      const expected = at ? expectedText(at) : issue.expected;
      return void out.push(invalidValue(path, `expected ${expected}, got ${describeValue(got)}`, at, got, ctx));
    }
    case 'invalid_value': {
      const values = allowedValues(at) ?? issue.values;
      const expected = at ? expectedText(at) : values.map(String).join(', ');
      const hint = allowedValuesHint(got, values);
      const message = `expected ${expected}, got ${describeValue(got)}`;
      return void out.push(detail({ code: 'SKIFF_SPEC_INVALID_VALUE', path, anchor: 'value', message, hint }, ctx));
    }
    case 'too_small':
    case 'too_big':
      return void out.push(invalidValue(path, rangeMessage(issue, at, got), at, got, ctx));
    case 'invalid_format': {
      if (issue.format === 'starts_with') {
        const prefixText = String((issue as { prefix?: unknown }).prefix ?? '');
        const message = `expected text starting with "${prefixText}", got ${describeValue(got)}`;
        const hint = typeof got === 'string' ? `write "${prefixText}${got}"` : at && fixHint(at, got, lastKey(path));
        return void out.push(detail({ code: 'SKIFF_SPEC_INVALID_VALUE', path, anchor: 'value', message, hint }, ctx));
      }
      const reason = issue.message.startsWith('Invalid') ? `not a valid ${issue.format}` : issue.message;
      const fix = typeof got === 'string' && at ? nameFix(got, at.schema) : undefined;
      const hint = fix !== undefined ? `write "${fix}"` : at ? fixHint(at, got, lastKey(path)) : undefined;
      const message = `invalid value ${describeValue(got)}: ${reason}`;
      return void out.push(detail({ code: 'SKIFF_SPEC_INVALID_VALUE', path, anchor: 'value', message, hint }, ctx));
    }
    case 'custom': {
      const params = (issue.params ?? {}) as SpecIssueParams;
      if (params.knownKeys) {
        const hint = suggestionHint(String(path[path.length - 1]), params.knownKeys, 'names');
        return void out.push(detail({ code: 'SKIFF_SPEC_UNKNOWN_KEY', path, anchor: 'key', message: issue.message, hint }, ctx));
      }
      const hint = params.hint ?? (at ? fixHint(at, got, lastKey(path)) : undefined);
      return void out.push(detail({ code: 'SKIFF_SPEC_INVALID_VALUE', path, anchor: 'value', message: issue.message, hint }, ctx));
    }
    default:
      return void out.push(invalidValue(path, issue.message, at, got, ctx));
  }
}
