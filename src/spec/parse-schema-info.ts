/**
 * Reads the spec schema at a field path to say, in plain words, what a field expects: the
 * schema is the single source of the allowed keys, value types, ranges and descriptions.
 */
import { z } from 'zod';
import type { PathSegment } from './parse-positions.js';
import { suggestNearest } from './suggest.js';

type Schema = z.core.$ZodType;

interface CheckView {
  readonly check?: string;
  readonly format?: string;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly prefix?: string;
}

/** The parts of zod's schema definitions read here (zod keeps them on `_zod.def`). */
interface DefView {
  readonly type: string;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly getter?: () => Schema;
  readonly shape?: Readonly<Record<string, Schema>>;
  readonly catchall?: Schema;
  readonly keyType?: Schema;
  readonly valueType?: Schema;
  readonly element?: Schema;
  readonly options?: readonly Schema[];
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
  readonly checks?: readonly { readonly _zod: { readonly def: CheckView } }[];
}

/** The schema found at a path, with wrappers removed, and the descriptions met on the way (outer first). */
export interface SchemaAt {
  readonly schema: Schema;
  readonly descriptions: readonly string[];
}

function defOf(schema: Schema): DefView {
  return schema._zod.def as unknown as DefView;
}

const wrapperTypes = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(schema: Schema, descriptions: string[]): Schema {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const description = z.globalRegistry.get(current)?.description;
    if (description !== undefined && description !== descriptions[descriptions.length - 1]) {
      descriptions.push(description);
    }
    const def = defOf(current);
    let next: Schema | undefined;
    if (wrapperTypes.has(def.type)) next = def.innerType;
    // Issue paths describe the input, so a transform is read from its input side.
    else if (def.type === 'pipe') next = def.in;
    else if (def.type === 'lazy') next = def.getter?.();
    if (next === undefined) return current;
    current = next;
  }
  return current;
}

function step(schema: Schema, segment: PathSegment): Schema | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      const key = String(segment);
      if (def.shape && Object.hasOwn(def.shape, key)) return def.shape[key];
      return def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined;
    }
    case 'record':
      return def.valueType;
    case 'array':
      return /^\d+$/.test(String(segment)) ? def.element : undefined;
    case 'union':
      for (const option of def.options ?? []) {
        const next = step(unwrap(option, []), segment);
        if (next !== undefined) return next;
      }
      return undefined;
    default:
      return undefined;
  }
}

export function schemaAt(root: Schema, path: readonly PathSegment[]): SchemaAt | undefined {
  let descriptions: string[] = [];
  let current = unwrap(root, descriptions);
  for (const segment of path) {
    const next = step(current, segment);
    if (next === undefined) return undefined;
    descriptions = [];
    current = unwrap(next, descriptions);
  }
  return { schema: current, descriptions };
}

/** The keys a mapping at this place may have, when it is an object schema. */
export function objectKeys(at: SchemaAt | undefined): string[] {
  const def = at ? defOf(at.schema) : undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** The allowed values of an enum or literal. */
export function allowedValues(at: SchemaAt | undefined): readonly unknown[] | undefined {
  const def = at ? defOf(at.schema) : undefined;
  if (def?.type === 'enum' && def.entries) return Object.values(def.entries);
  if (def?.type === 'literal') return def.values;
  return undefined;
}

/** The schema of the keys of a record at this place. */
export function recordParts(at: SchemaAt | undefined): { keyType: Schema; valueType: Schema } | undefined {
  const def = at ? defOf(at.schema) : undefined;
  if (def?.type !== 'record' || !def.keyType || !def.valueType) return undefined;
  return { keyType: def.keyType, valueType: def.valueType };
}

export type Bound = 'lower' | 'upper' | 'range';

interface NumberLimits {
  readonly whole: boolean;
  readonly lower?: { readonly value: number; readonly inclusive: boolean };
  readonly upper?: { readonly value: number; readonly inclusive: boolean };
}

function numberLimits(def: DefView): NumberLimits {
  let whole = false;
  let lower: NumberLimits['lower'];
  let upper: NumberLimits['upper'];
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'number_format' && c.format?.includes('int')) whole = true;
    if (c.check === 'greater_than' && typeof c.value === 'number') lower = { value: c.value, inclusive: c.inclusive ?? true };
    if (c.check === 'less_than' && typeof c.value === 'number') upper = { value: c.value, inclusive: c.inclusive ?? true };
  }
  // For whole numbers "> 0" reads better as "≥ 1".
  if (whole && lower && !lower.inclusive && Number.isInteger(lower.value)) lower = { value: lower.value + 1, inclusive: true };
  if (whole && upper && !upper.inclusive && Number.isInteger(upper.value)) upper = { value: upper.value - 1, inclusive: true };
  return { whole, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
}

function numberText(limits: NumberLimits, bound: Bound): string {
  const base = limits.whole ? 'a whole number' : 'a number';
  const { lower, upper } = limits;
  const lowerText = lower ? `${lower.inclusive ? '≥' : '>'} ${lower.value}` : undefined;
  const upperText = upper ? `${upper.inclusive ? '≤' : '<'} ${upper.value}` : undefined;
  if (bound === 'range' && lower && upper) {
    if (lower.inclusive && upper.inclusive) return `${base} from ${lower.value} to ${upper.value}`;
    return `${base} ${lowerText} and ${upperText}`;
  }
  const chosen = bound === 'upper' ? (upperText ?? lowerText) : (lowerText ?? upperText);
  return chosen === undefined ? base : `${base} ${chosen}`;
}

export function quoteValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function valuesText(values: readonly unknown[]): string {
  const quoted = values.map(quoteValue);
  return quoted.length === 1 ? (quoted[0] as string) : `one of ${quoted.join(', ')}`;
}

/** The description written for the value's type (innermost), e.g. "a duration such as 500ms…". */
function typeDescription(at: SchemaAt): string | undefined {
  return at.descriptions[at.descriptions.length - 1];
}

/** What the field expects, e.g. `a whole number ≥ 0`, `one of "a", "b"`, `a mapping`. */
export function expectedText(at: SchemaAt, bound: Bound = 'lower'): string {
  const def = defOf(at.schema);
  switch (def.type) {
    case 'number':
      return numberText(numberLimits(def), bound);
    case 'string': {
      const prefix = def.checks?.map((check) => check._zod.def).find((c) => c.format === 'starts_with')?.prefix;
      return prefix === undefined ? 'text' : `text starting with "${prefix}"`;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
    case 'literal':
      return valuesText(allowedValues(at) ?? []);
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'null':
      return 'nothing';
    case 'union': {
      const described = typeDescription(at);
      if (described !== undefined) return described;
      return (def.options ?? []).map((option) => expectedText({ schema: unwrap(option, []), descriptions: [] }, bound)).join(' or ');
    }
    default:
      return typeDescription(at) ?? 'a valid value';
  }
}

/** `did you mean "x"? allowed values: "a", "b"`. */
export function allowedValuesHint(got: unknown, values: readonly unknown[]): string {
  const list = `allowed values: ${values.map(quoteValue).join(', ')}`;
  const nearest = typeof got === 'string' ? suggestNearest(got, values.map(String)) : undefined;
  return nearest === undefined ? list : `did you mean "${nearest}"? ${list}`;
}

/** How to write a correct value for the field named `field`. */
export function fixHint(at: SchemaAt, got: unknown, field: string | undefined): string {
  const def = defOf(at.schema);
  let action: string;
  switch (def.type) {
    case 'number':
      action = `write ${numberText(numberLimits(def), 'range')}`;
      break;
    case 'string':
      action =
        typeof got === 'number' || typeof got === 'boolean'
          ? `put the value in quotes to make it text: "${String(got)}"`
          : `write ${expectedText(at)}`;
      break;
    case 'boolean':
      action = 'write true or false, without quotes';
      break;
    case 'enum':
    case 'literal':
      return allowedValuesHint(got, allowedValues(at) ?? []);
    case 'object':
    case 'record':
      action = `write a mapping: indented "key: value" lines${field ? ` under "${field}:"` : ''}`;
      break;
    case 'array':
      action = `write a list: one "- item" line per entry${field ? ` under "${field}:"` : ''}`;
      break;
    default:
      action = `write ${expectedText(at)}`;
  }
  const purpose = at.descriptions[0];
  return purpose !== undefined && field !== undefined && !action.includes(purpose) ? `${action} (${field}: ${purpose})` : action;
}

/** The description of the field itself (outermost), e.g. "desired number of instances". */
export function fieldPurpose(at: SchemaAt | undefined): string | undefined {
  return at?.descriptions[0];
}
