/** Alert rules over the built-in metrics, and where their notifications go. */
import { z } from 'zod';
import { expressionJobs, expressionServices, parseAlertExpression } from './alert-expression.js';
import { durationSchema, isRecordLike, nameSchema } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

export const notifierSchema = z
  .strictObject({
    webhook: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
      .describe('URL that receives a POST with the alert as JSON, retried with backoff'),
  })
  .describe('where alert notifications go');

export const alertRuleSchema = z
  .strictObject({
    name: nameSchema.describe('the alert name, shown by `skiff alerts` and sent to webhooks'),
    expr: z
      .string()
      .superRefine((text, ctx) => {
        const parsed = parseAlertExpression(text);
        if (!parsed.ok) {
          ctx.addIssue({
            code: 'custom',
            message: `column ${parsed.error.column} of "${text}": ${parsed.error.message}`,
            params: {
              hint: 'e.g. errorRate(web) > 5%, p99(web) > 500ms, ready(web) < desired(web), restarts(web, 10m) > 3',
            } satisfies SpecIssueParams,
          });
        }
      })
      .describe('the condition, e.g. `errorRate(web) > 5%`, `ready(web) < desired(web)` or `certificateDaysLeft() < 30`'),
    for: durationSchema.default(0).describe('how long the condition must hold before the alert fires'),
    severity: z.enum(['warning', 'critical']).default('warning').describe('warning or critical'),
    environment: nameSchema.optional().describe('only this environment (default: every environment)'),
    notify: z.array(notifierSchema).optional().describe("where this rule's notifications go (default: the top-level notify)"),
  })
  .describe('an alert rule over the built-in metrics');

/** Alert rules name services and environments of the same file: checked once the file parses. */
export function checkAlertReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { services, environments, alerts } = spec;
  if (!isRecordLike(services) || !isRecordLike(environments) || !Array.isArray(alerts)) return;
  const names = new Set<string>();
  alerts.forEach((rule: unknown, index) => {
    if (!isRecordLike(rule)) return;
    if (typeof rule.name === 'string') {
      if (names.has(rule.name)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', index, 'name'], message: `two alert rules are named "${rule.name}"` });
      }
      names.add(rule.name);
    }
    if (typeof rule.environment === 'string' && !Object.hasOwn(environments, rule.environment)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', index, 'environment'],
        message: `unknown environment "${rule.environment}"`,
        params: { hint: `environments: ${Object.keys(environments).join(', ')}` } satisfies SpecIssueParams,
      });
    }
    const parsed = typeof rule.expr === 'string' ? parseAlertExpression(rule.expr) : null;
    if (!parsed?.ok) return;
    for (const service of expressionServices(parsed.expression)) {
      if (!Object.hasOwn(services, service)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', index, 'expr'],
          message: `alert "${String(rule.name)}" names unknown service "${service}"`,
          params: { hint: `services: ${Object.keys(services).join(', ')}` } satisfies SpecIssueParams,
        });
      }
    }
    const jobs = isRecordLike(spec.jobs) ? Object.keys(spec.jobs) : [];
    for (const job of expressionJobs(parsed.expression)) {
      if (!jobs.includes(job)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', index, 'expr'],
          message: `alert "${String(rule.name)}" names unknown job "${job}"`,
          params: { hint: jobs.length > 0 ? `jobs: ${jobs.join(', ')}` : 'define it under `jobs:`' } satisfies SpecIssueParams,
        });
      }
    }
  });
}
