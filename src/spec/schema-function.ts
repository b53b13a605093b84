/**
 * The fields of a function service (`kind: function`): its handler module, per-request timeout,
 * memory and concurrency, and the checks that keep them apart from the fields of an ordinary
 * service. A function runs in Skiff's function runtime, so it has no `start` command or `driver`.
 */
import { z } from 'zod';
import { byteSizeSchema, durationSchema, isRecordLike } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

export const defaultFunctionTimeoutMs = 30_000;
export const defaultFunctionMemory = 128 * 1024 * 1024;
export const defaultFunctionConcurrency = 50;

/** What the function runtime needs to serve one function; part of the release (a change makes new instances). */
export interface FunctionSettings {
  /** The handler module, relative to the service directory (the unpacked artifact). */
  readonly handler: string;
  /** A request running longer is answered 504 and abandoned. */
  readonly timeoutMs: number;
  /** Requests handled at once by one instance; more wait briefly for a slot, then get 503. */
  readonly concurrency: number;
}

export const functionFields = {
  kind: z
    .enum(['service', 'function'])
    .default('service')
    .describe('`service` runs `start` as a process or container; `function` runs `handler` in Skiff\'s function runtime'),
  handler: z
    .string()
    .min(1)
    .refine((value) => !value.startsWith('/') && !value.split(/[\\/]/).includes('..'), {
      message: 'the handler must be a path inside the service directory',
      params: { hint: 'write it relative to the service `path`, e.g. `handler: src/price.mjs`' } satisfies SpecIssueParams,
    })
    .refine((value) => /\.m?js$/.test(value), {
      message: 'the handler must be an ES module file ending in .mjs or .js',
      params: { hint: 'export `fetch(request, env)` (or `export default { fetch }`) from a .mjs file' } satisfies SpecIssueParams,
    })
    .optional()
    .describe('functions only: the ES module exporting `fetch(request, env) → Response`, relative to the service `path`'),
  timeout: durationSchema.optional().describe('functions only: the longest a request may run before it is answered 504 (default 30s)'),
  memory: byteSizeSchema.optional().describe('functions only: the memory limit of each instance (default 128Mi)'),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe(`functions only: requests one instance handles at once (default ${defaultFunctionConcurrency}); more wait up to 1s for a slot, then get 503`),
};

const functionOnly = ['handler', 'timeout', 'memory', 'concurrency'] as const;

/** Issues of a service's kind-specific fields; runs on any input shape. */
export function checkFunctionFields(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (raw.kind !== 'function') {
    for (const key of functionOnly) {
      if (raw[key] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `\`${key}\` is for functions only`,
        params: { hint: 'add `kind: function` (and a `handler`), or remove it' } satisfies SpecIssueParams,
      });
    }
    return;
  }
  if (raw.handler === undefined) {
    ctx.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: ['handler'], message: 'missing handler' });
  }
  const notForFunctions: ReadonlyArray<readonly [string, string]> = [
    ['start', 'a function has no start command: the function runtime loads its `handler`'],
    ['driver', 'a function always runs in the function runtime: remove `driver`'],
    ['image', 'a function runs its handler module, not an image: remove `image`'],
  ];
  for (const [key, hint] of notForFunctions) {
    if (!isWritten(key, raw[key])) continue;
    ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` cannot be used with \`kind: function\``, params: { hint } satisfies SpecIssueParams });
  }
  if (raw.memory !== undefined && isRecordLike(raw.resources) && raw.resources.memory !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['resources', 'memory'],
      message: 'a function sets its memory once: `memory` and `resources.memory` are both given',
      params: { hint: 'keep `memory: 128Mi` and remove `resources.memory`' } satisfies SpecIssueParams,
    });
  }
}

/**
 * Whether the key was written: the check may see parsed values with their defaults filled in
 * (`start: []`, `driver: process`), which say nothing about the file.
 */
function isWritten(key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (key === 'start') return !(Array.isArray(value) && value.length === 0);
  if (key === 'driver') return value !== 'process';
  return true;
}

/** The runtime settings of a function service with the defaults filled in; null for other services. */
export function functionSettings(service: {
  readonly kind: 'service' | 'function';
  readonly handler?: string | undefined;
  readonly timeout?: number | undefined;
  readonly concurrency?: number | undefined;
}): FunctionSettings | null {
  if (service.kind !== 'function' || service.handler === undefined) return null;
  return {
    handler: service.handler,
    timeoutMs: service.timeout ?? defaultFunctionTimeoutMs,
    concurrency: service.concurrency ?? defaultFunctionConcurrency,
  };
}
