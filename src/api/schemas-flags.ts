/** The API contract of flags: their run-time changes, and OFREP's answers as the document shows them. */
import { z } from 'zod';
import { flagStateSchema } from '../spec/schema-flags.js';
import type { EffectiveFlag, FlagRevision } from './flags-port.js';

export const flagParamsSchema = z.strictObject({ env: z.string().min(1), flag: z.string().min(1) });

export const setFlagBodySchema = z
  .strictObject({
    state: flagStateSchema.optional(),
    defaultVariant: z.string().min(1).optional().describe('one of the flag\'s variants'),
  })
  .describe('what to change: state and/or defaultVariant (a run-time change, in force until reset)');

export const rolloutFlagBodySchema = z
  .strictObject({
    percent: z.number().int().min(0).max(100).describe('the share of targeting keys that get the variant'),
    variant: z.string().min(1).optional().describe('the variant to roll out (default: the one whose value is true, or the one besides the default)'),
  })
  .describe('turn the targeting into a fractional split: percent of keys get the variant, the rest the default variant');

export const revisionsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

const flagDefinitionSchema = z.record(z.string(), z.unknown()).describe('a flag in flagd\'s definition format');

export const flagViewSchema: z.ZodType<EffectiveFlag> = z
  .object({
    key: z.string(),
    source: z.enum(['spec', 'runtime']).describe('runtime: a run-time change is in force until `skiff flag reset`'),
    flag: flagDefinitionSchema.describe('the definition evaluated now'),
    specFlag: flagDefinitionSchema.describe('the definition the spec gives this environment'),
  })
  .describe('a flag as an environment evaluates it') as unknown as z.ZodType<EffectiveFlag>;

export const flagRevisionSchema: z.ZodType<FlagRevision> = z
  .object({
    id: z.number().int(),
    environment: z.string(),
    flag: z.string(),
    action: z.enum(['set', 'rollout', 'reset']),
    actor: z.string().describe("the token's name"),
    time: z.string(),
    summary: z.string(),
    before: flagDefinitionSchema,
    after: flagDefinitionSchema,
    runtime: z.boolean().describe('whether a run-time definition is in force after the change'),
  })
  .describe('one run-time change of a flag') as unknown as z.ZodType<FlagRevision>;

export const flagChangeResultSchema = z.object({ flag: flagViewSchema, revision: flagRevisionSchema.nullable() });

const ofrepSuccessSchema = z.object({
  key: z.string(),
  reason: z.string().describe('STATIC, TARGETING_MATCH, DEFAULT or DISABLED (then no value: the caller\'s default applies)'),
  variant: z.string().optional(),
  value: z.unknown().optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
const ofrepFailureSchema = z.object({
  key: z.string(),
  errorCode: z.enum(['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL', 'FLAG_NOT_FOUND']),
  errorDetails: z.string(),
});
export const ofrepEvaluationSchema = z.union([ofrepSuccessSchema, ofrepFailureSchema]).describe('OFREP evaluationSuccess, or evaluationFailure / flagNotFound (400 / 404)');
export const ofrepBulkSchema = z.object({ flags: z.array(ofrepEvaluationSchema) }).describe('OFREP bulkEvaluationSuccess; with an ETag (If-None-Match → 304)');
export const ofrepKeyParamsSchema = z.strictObject({ key: z.string().min(1) });
