/**
 * Flag evaluations counted per environment, flag and variant, in a prom-client registry of its
 * own. Only flags the environment defines become label values: an unknown key is counted by its
 * error code, so callers cannot grow the label set.
 */
import { Counter, Registry } from 'prom-client';
import { isOfrepFailure, type OfrepEvaluation } from './ofrep.js';

export class FlagMetrics {
  readonly registry = new Registry();
  private readonly evaluations = new Counter({
    name: 'skiff_flag_evaluations_total',
    help: 'OFREP flag evaluations answered, by flag, variant and reason (variant is empty for a disabled flag).',
    labelNames: ['environment', 'flag', 'variant', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'skiff_flag_evaluation_errors_total',
    help: 'OFREP flag evaluations answered with an error, by OFREP error code.',
    labelNames: ['environment', 'error_code'] as const,
    registers: [this.registry],
  });

  count(environment: string, evaluation: OfrepEvaluation): void {
    if (isOfrepFailure(evaluation)) {
      this.errors.inc({ environment, error_code: evaluation.errorCode });
      return;
    }
    this.evaluations.inc({ environment, flag: evaluation.key, variant: evaluation.variant ?? '', reason: evaluation.reason });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
