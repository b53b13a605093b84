/** Parallel runs: what the router mirrors to a candidate release and how it compares the answers. */
import { z } from 'zod';
import type { SpecIssueParams } from './schema-values.js';

const methods = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const parallelSchema = z
  .strictObject({
    percent: z.number().min(0).max(100).default(100).describe('share of eligible requests copied to the candidate (percent)'),
    methods: z
      .array(z.enum(methods))
      .min(1)
      .default(['GET', 'HEAD', 'OPTIONS'])
      .describe('methods mirrored; only safe ones by default, so nothing is done twice'),
    compareHeaders: z
      .array(
        z
          .string()
          .min(1)
          .refine((name) => /^[a-z0-9-]+$/.test(name), {
            message: 'must be a lowercase header name',
            params: { hint: 'write header names in lowercase, e.g. content-type' } satisfies SpecIssueParams,
          }),
      )
      .default(['content-type'])
      .describe('response headers compared (lowercase); the others are ignored'),
    ignoreFields: z
      .array(z.string().min(1).regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a dotted JSON path such as meta.time or items.*.id'))
      .default([])
      .describe('JSON fields ignored when comparing bodies: `id`, `meta.time`, `items.*.id`'),
  })
  .describe('how a parallel run (`skiff parallel start`) mirrors requests to a candidate release and compares its answers');

export type ParallelSpec = z.output<typeof parallelSchema>;

/** Used for a service without `parallel:` in the spec. */
export const defaultParallel: ParallelSpec = {
  percent: 100,
  methods: ['GET', 'HEAD', 'OPTIONS'],
  compareHeaders: ['content-type'],
  ignoreFields: [],
};
