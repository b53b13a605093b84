/** The value types of `skiff.yaml`: names, durations, sizes, commands, env values. */
import { z } from 'zod';
import { parseByteSize, parseDuration } from '../core/units.js';

/**
 * Extra data a custom issue carries for `parse.ts`: a fix to suggest, or the names a key should
 * have been one of (the key is then reported as unknown, with a "did you mean").
 */
export interface SpecIssueParams {
  readonly hint?: string;
  readonly knownKeys?: readonly string[];
}

export function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const nameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, starting with a letter');

export const durationSchema = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 2s or 1m, got "${value}"` });
      return z.NEVER;
    }
    return ms;
  })
  .describe('a duration such as 500ms, 2s, 1m (a bare number is milliseconds)')
  .meta({ title: 'duration', examples: ['500ms', '2s', '1m'] });

export const byteSizeSchema = z
  .union([z.string(), z.number().int().positive()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const bytes = parseByteSize(value);
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as 128Mi, 1Gi or 500M, got "${value}"` });
      return z.NEVER;
    }
    return bytes;
  })
  .describe('a size in bytes such as 128Mi, 1Gi, 500M')
  .meta({ title: 'size', examples: ['128Mi', '1Gi'] });

const commandText = 'a command: a list of arguments, or a string split on spaces (no shell)';

export const commandSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe(commandText)
  .transform((value) => (typeof value === 'string' ? value.trim().split(/\s+/) : value))
  .describe(commandText);

export const envValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(String)
  .describe('text, a number or true/false');
