/**
 * The JSON Schema of `skiff.yaml`, generated from the zod schemas: what editors use to complete and
 * check the file (`# yaml-language-server: $schema=…`), and what docs/skiff-yaml.md is written from.
 */
import { z } from 'zod';
import { specSchema } from './schema.js';

/** The file name `skiff init` writes beside skiff.yaml and its `$schema` line points at. */
export const specSchemaFile = 'skiff.schema.json';

export type JsonSchema = Record<string, unknown>;

type ZodNode = Parameters<NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] & {}>[0]['zodSchema'];

export function specJsonSchema(): JsonSchema {
  // The input side is what people write (`2s`, `128Mi`, a command as a string); the transforms
  // that turn it into the domain values have no JSON Schema form and are left out.
  const schema = z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any', override: (ctx) => {
    documentPrechecks(ctx);
    // zod's own name for `startsWith`, which the `pattern` beside it already says in standard terms.
    if (ctx.jsonSchema.format === 'starts_with') delete ctx.jsonSchema.format;
    keepInputDefaultsAndExamples(ctx);
  } });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'skiff.yaml',
    description: 'The Skiff spec: services, environments, pipelines and release strategies of one system.',
    ...rest,
  };
}

/** The text of skiff.schema.json: stable key order, two-space indent, a final newline. */
export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}

/**
 * A schema that first takes anything (to word its own error, as `strategy` does) and then pipes it
 * into the real one would read as "any value": it is described by what it pipes into. Its default
 * is the parsed form, which is not what a person writes, so the description states it instead.
 */
function documentPrechecks(ctx: { zodSchema: ZodNode; jsonSchema: Record<string, unknown> }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type === 'default' && precheckTarget(def.innerType) !== undefined) delete ctx.jsonSchema.default;
  const target = precheckTarget(ctx.zodSchema);
  if (target === undefined) return;
  const { $schema: _ignored, ...piped } = z.toJSONSchema(target, { io: 'input', unrepresentable: 'any' });
  Object.assign(ctx.jsonSchema, piped, { description: ctx.jsonSchema.description ?? piped.description });
}

/** The schema a precheck pipes into, or undefined for any other schema. */
function precheckTarget(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  const def = (schema as ZodNode)._zod.def;
  return def.type === 'pipe' && def.in._zod.def.type === 'unknown' ? def.out : undefined;
}

/**
 * zod leaves out the defaults, titles and examples of a value it transforms (a duration, a size, a command)
 * when it describes the input: those that are valid input too (`5000` ms, `128Mi`),
 * and they are what a person reading the schema needs.
 */
function keepInputDefaultsAndExamples(ctx: { zodSchema: ZodNode; jsonSchema: Record<string, unknown> }): void {
  const def = ctx.zodSchema._zod.def;
  // A default that is no valid input (the empty `start` of a docker service) is not shown as one.
  const writable = def.type === 'default' && z.safeParse(def.innerType, def.defaultValue).success;
  if (def.type === 'default' && writable && ctx.jsonSchema.default === undefined && precheckTarget(def.innerType) === undefined) {
    ctx.jsonSchema.default = JSON.parse(JSON.stringify(def.defaultValue)) as unknown;
  }
  for (const key of ['title', 'examples'] as const) {
    const value = metadataOf(ctx.zodSchema, key);
    if (ctx.jsonSchema[key] === undefined && value !== undefined) ctx.jsonSchema[key] = value;
  }
}

/** A value type's title (`duration`) and examples, also through the default or optional around it. */
function metadataOf(schema: z.core.$ZodType, key: 'title' | 'examples'): unknown {
  const own = z.globalRegistry.get(schema)?.[key];
  if (own !== undefined) return own;
  const def = (schema as ZodNode)._zod.def;
  if (def.type === 'default' || def.type === 'optional') return metadataOf(def.innerType, key);
  if (def.type === 'pipe') return metadataOf(def.in, key);
  return undefined;
}
