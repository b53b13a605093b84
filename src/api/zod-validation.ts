/**
 * Fastify validator compiler for zod schemas: the parsed value (with coercions and defaults)
 * replaces the request part, and a failure becomes a SKIFF_BAD_REQUEST naming each field path.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { SkiffError, type ErrorDetail } from '../core/errors.js';

const partNames: Readonly<Record<string, string>> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const zodSchema = schema as z.ZodType;
  const part = partNames[httpPart ?? 'body'] ?? 'body';
  return (data: unknown) => {
    // Fastify hands over `null` for a missing body; an empty object gives a clearer message.
    const input = data === null && part === 'body' ? undefined : data;
    const result = zodSchema.safeParse(input, { reportInput: true });
    if (result.success) return { value: result.data };
    return { error: badRequest(part, result.error.issues) };
  };
};

export function badRequest(part: string, issues: readonly z.core.$ZodIssue[]): SkiffError {
  const details = issues.flatMap((issue): ErrorDetail[] => {
    const base = [part, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        code: 'SKIFF_BAD_REQUEST',
        path: [...base, key].join('.'),
        message: 'unknown field',
      }));
    }
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message;
    return [{ code: 'SKIFF_BAD_REQUEST', path: base.join('.'), message }];
  });
  const first = details[0];
  const message = first ? `${first.path}: ${first.message}` : `invalid ${part}`;
  return new SkiffError('SKIFF_BAD_REQUEST', message, { path: first?.path, details });
}
