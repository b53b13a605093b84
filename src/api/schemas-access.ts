/** The API contract of access control: tokens, the session and the audit log. */
import { z } from 'zod';
import { roles } from '../core/access.js';
import type { AuditEntry, NewToken, TokenInfo } from './access-port.js';

/** Token names are people and machines: `ana`, `ci-deploy`, `ana@laptop`. */
export const tokenNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const tokenNameSchema = z
  .string()
  .regex(tokenNamePattern, 'a token name is letters, digits and . _ @ -, starting with a letter or digit, at most 100 characters');

export const createTokenBodySchema = z
  .strictObject({
    name: tokenNameSchema.describe('who or what uses the token; recorded as the author of every change made with it'),
    role: z.enum(roles).describe('flags only evaluates feature flags over OFREP in its one environment; viewer reads; deployer also deploys, promotes, rolls back, scales and approves; admin may do everything'),
    environments: z
      .array(z.string().min(1).max(100))
      .min(1)
      .optional()
      .describe('a deployer: the environments it may change (default: every environment); a flags token: its one environment (required)'),
  })
  .superRefine((body, ctx) => {
    if (body.role === 'flags') {
      if (body.environments?.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments'],
          message: 'a flags token evaluates flags in exactly one environment: give environments: [ENV] (`--env ENV`)',
        });
      }
      return;
    }
    if (body.environments !== undefined && body.role !== 'deployer') {
      ctx.addIssue({
        code: 'custom',
        path: ['environments'],
        message: `only a deployer token is limited to environments (a viewer reads everything, an admin may do everything); leave environments out for a ${body.role}`,
      });
    }
  });

export const tokenNameParamsSchema = z.strictObject({ name: tokenNameSchema });

const tokenInfoObject = z.object({
  id: z.string().describe('the public part of the token (skiff_<id>_…), to tell tokens apart'),
  name: z.string(),
  role: z.enum(roles),
  environments: z.array(z.string()).nullable().describe('environments a deployer may change; null: every environment'),
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('within a minute'),
  revokedAt: z.string().nullable(),
});

export const tokenInfoSchema: z.ZodType<TokenInfo> = tokenInfoObject.describe('a token, without its secret (only a hash of it is stored)');

export const newTokenSchema: z.ZodType<NewToken> = tokenInfoObject
  .extend({ token: z.string().describe('the token: shown this once, never again') })
  .describe('a new token');

export const sessionSchema = z
  .object({
    name: z.string().describe("the token's name"),
    role: z.enum(roles),
    environments: z.array(z.string()).nullable().describe('environments a deployer may change; null: every environment'),
  })
  .describe('who the token in the request stands for');

export const auditEntrySchema: z.ZodType<AuditEntry> = z
  .object({
    id: z.number().int(),
    time: z.string(),
    actor: z.string().nullable().describe("the token's name; null when no valid token was sent"),
    role: z.string().nullable(),
    method: z.string(),
    route: z.string().describe('the route pattern'),
    params: z.record(z.string(), z.string()),
    summary: z.string().describe('what was asked; never a secret value or a token'),
    address: z.string().describe("the client's address"),
    status: z.number().int().describe('the HTTP status of the answer'),
    code: z.string().nullable().describe('the error code of a failed request'),
    count: z.number().int().describe('requests the entry stands for: refused ones are counted per client and minute'),
  })
  .describe('one change asked of the API, or one refused request');

export const auditQuerySchema = z.strictObject({
  since: z
    .string()
    .refine((text) => !Number.isNaN(Date.parse(text)), 'an ISO 8601 time such as 2026-11-26T10:00:00Z')
    .optional()
    .describe('only entries at or after this time'),
  who: z.string().min(1).optional().describe('only entries of this token name'),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
