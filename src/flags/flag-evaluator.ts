/**
 * Evaluates one environment's flags with flagd's own evaluator (@openfeature/flagd-core), so a
 * targeting key lands in the same fractional bucket as with flagd, and answers in OFREP's terms.
 */
import { FlagdCore } from '@openfeature/flagd-core';
import type { Logger } from '@openfeature/core';
import type { FlagSpec } from '../spec/schema.js';
import type { EvaluationContext, FlagValue } from './flag-values.js';
import type { OfrepErrorCode, OfrepEvaluation, OfrepReason } from './ofrep.js';

const silent: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const ofrepErrorCodes: readonly string[] = ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL', 'FLAG_NOT_FOUND'];
const ofrepReasons: readonly string[] = ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'DEFAULT', 'UNKNOWN'];

export class FlagEvaluator {
  private readonly core = new FlagdCore(undefined, silent);
  /** Flags whose targeting may split by `targetingKey` (a fractional without its own bucketing expression): their evaluations without one are watched. */
  private readonly needTargetingKey = new Set<string>();
  private readonly loadError: string | null;

  constructor(readonly flags: Readonly<Record<string, FlagSpec>>) {
    let loadError: string | null = null;
    try {
      this.core.setConfigurations(JSON.stringify({ flags }));
    } catch (error) {
      // Flags are checked before they are saved; a revision from an older Skiff could still fail here.
      loadError = error instanceof Error ? error.message : String(error);
    }
    this.loadError = loadError;
    for (const [key, flag] of Object.entries(flags)) if (splitsByTargetingKey(flag.targeting)) this.needTargetingKey.add(key);
  }

  /** The flag's evaluation for the context (a JSON object; anything else is INVALID_CONTEXT). */
  evaluate(key: string, context: unknown): OfrepEvaluation {
    const problem = contextProblem(context);
    if (problem) return { key, errorCode: 'INVALID_CONTEXT', errorDetails: problem };
    return this.evaluateChecked(key, (context ?? {}) as EvaluationContext);
  }

  /** Every flag of the environment, in key order; a bad context is one error for all (OFREP's bulkEvaluationFailure). */
  evaluateAll(context: unknown): { ok: true; flags: OfrepEvaluation[] } | { ok: false; errorCode: OfrepErrorCode; errorDetails: string } {
    const problem = contextProblem(context);
    if (problem) return { ok: false, errorCode: 'INVALID_CONTEXT', errorDetails: problem };
    const checked = (context ?? {}) as EvaluationContext;
    return { ok: true, flags: Object.keys(this.flags).sort().map((key) => this.evaluateChecked(key, checked)) };
  }

  private evaluateChecked(key: string, context: EvaluationContext): OfrepEvaluation {
    const flag = Object.hasOwn(this.flags, key) ? this.core.getFlag(key) : undefined;
    if (this.loadError !== null && Object.hasOwn(this.flags, key)) return { key, errorCode: 'PARSE_ERROR', errorDetails: this.loadError };
    if (!flag) return { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag "${key}" is not defined in this environment` };
    const metadata = flag.metadata as Record<string, string | number | boolean>;
    // OFREP's codeDefaultFlag: a success without a value, so the caller's default applies.
    if (flag.state === 'DISABLED') return { key, reason: 'DISABLED', metadata };
    const watch = this.needTargetingKey.has(key) && !context.targetingKey ? new MissingKeyWatch() : null;
    const result = flag.evaluate(context as Parameters<typeof flag.evaluate>[0], watch ?? silent);
    // flagd falls back to the default variant; OFREP has a code for it, so the caller learns why.
    if (watch?.missed) {
      return { key, errorCode: 'TARGETING_KEY_MISSING', errorDetails: `flag "${key}" splits by targetingKey here: send one in the context` };
    }
    if (result.reason === 'ERROR') {
      const code = String(result.errorCode);
      const errorCode = ofrepErrorCodes.includes(code) ? (code as OfrepErrorCode) : 'GENERAL';
      return { key, errorCode, errorDetails: result.errorMessage ?? `flag "${key}" could not be evaluated (${code})` };
    }
    if (result.value === undefined) return { key, reason: 'DEFAULT', metadata };
    const reason = ofrepReasons.includes(result.reason) ? (result.reason as OfrepReason) : 'UNKNOWN';
    return { key, reason, ...(result.variant !== undefined ? { variant: result.variant } : {}), value: result.value as FlagValue, metadata };
  }
}

/**
 * Whether this evaluation reached a fractional that buckets by targetingKey without one: flagd-core
 * says so only in a debug line (and answers the default variant), so the evaluation gets this logger.
 */
class MissingKeyWatch implements Logger {
  missed = false;
  debug(message: unknown): void {
    if (typeof message === 'string' && message.startsWith('Missing targetingKey')) this.missed = true;
  }
  error(): void {}
  warn(): void {}
  info(): void {}
}

function contextProblem(context: unknown): string | null {
  if (context === undefined || context === null) return null;
  if (typeof context !== 'object' || Array.isArray(context)) return 'the context must be a JSON object';
  const targetingKey = (context as Record<string, unknown>).targetingKey;
  if (targetingKey !== undefined && typeof targetingKey !== 'string') return 'targetingKey must be a string';
  return null;
}

/** Whether some `fractional` in the targeting buckets by targetingKey (its first argument is a [variant, share] pair). */
export function splitsByTargetingKey(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(splitsByTargetingKey);
  if (typeof node !== 'object' || node === null) return false;
  return Object.entries(node).some(([operator, args]) =>
    (operator === 'fractional' && Array.isArray(args) && Array.isArray(args[0])) || splitsByTargetingKey(args),
  );
}
