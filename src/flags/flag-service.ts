/**
 * Flags per environment as the control plane serves them: the spec's definitions, run-time
 * changes recorded as flag revisions (which win until reset), and evaluation with flagd's
 * evaluator, counted per flag and variant. Evaluators are rebuilt only when the applied revision
 * or a flag changes, so an OFREP call does no more than evaluate.
 */
import { SkiffError } from '../core/errors.js';
import type { FlagRevision } from '../spec/flag-revision.js';
import type { FlagSpec, Spec } from '../spec/schema.js';
import type { FlagStore } from '../store/flag-store.js';
import { applyFlagChange, type FlagChange } from './flag-changes.js';
import { FlagEvaluator } from './flag-evaluator.js';
import type { FlagMetrics } from './flag-metrics.js';
import { specFlagsFor } from '../spec/environment-flags.js';
import { effectiveFlags, type EffectiveFlag } from './flag-set.js';
import type { OfrepErrorCode, OfrepEvaluation } from './ofrep.js';

export interface FlagServiceDeps {
  readonly store: FlagStore;
  /** The spec of the latest revision (the same object while it is unchanged), or null before the first apply. */
  readonly latestSpec: () => Spec | null;
  readonly metrics: FlagMetrics;
}

interface Cached {
  readonly spec: Spec;
  readonly changes: number;
  readonly flags: EffectiveFlag[];
  readonly evaluator: FlagEvaluator;
}

export class FlagService {
  private readonly cache = new Map<string, Cached>();
  /** Bumped by every run-time change, so cached evaluators are rebuilt. */
  private changes = 0;

  constructor(private readonly deps: FlagServiceDeps) {}

  list(environment: string): EffectiveFlag[] {
    return this.current(environment).flags;
  }

  get(environment: string, key: string): EffectiveFlag {
    const found = this.current(environment).flags.find((flag) => flag.key === key);
    if (found) return found;
    const known = this.current(environment).flags.map((flag) => flag.key);
    throw new SkiffError('SKIFF_FLAG_NOT_FOUND', `environment ${environment} has no flag "${key}"`, {
      path: 'flag',
      hint: known.length > 0 ? `its flags: ${known.join(', ')}` : 'declare flags under `flags:` in skiff.yaml and apply it',
    });
  }

  change(options: { readonly environment: string; readonly key: string; readonly change: FlagChange; readonly actor: string }): { flag: EffectiveFlag; revision: FlagRevision } {
    const { environment, key, change, actor } = options;
    const before = this.get(environment, key);
    const after = applyFlagChange(key, before.flag, change);
    const revision = this.deps.store.record({ environment, flag: key, action: change.kind, actor, summary: describeChange(change), before: before.flag, after, runtime: true });
    this.changes += 1;
    return { flag: this.get(environment, key), revision };
  }

  reset(options: { readonly environment: string; readonly key: string; readonly actor: string }): { flag: EffectiveFlag; revision: FlagRevision | null } {
    const { environment, key, actor } = options;
    const before = this.get(environment, key);
    if (before.source === 'spec') return { flag: before, revision: null };
    const revision = this.deps.store.record({ environment, flag: key, action: 'reset', actor, summary: 'back to the spec', before: before.flag, after: before.specFlag, runtime: false });
    this.changes += 1;
    return { flag: this.get(environment, key), revision };
  }

  revisions(environment: string, key: string, limit: number): FlagRevision[] {
    this.get(environment, key);
    return this.deps.store.revisions(environment, key, limit);
  }

  evaluate(environment: string, key: string, context: unknown): OfrepEvaluation {
    const evaluation = this.current(environment).evaluator.evaluate(key, context);
    this.deps.metrics.count(environment, evaluation);
    return evaluation;
  }

  evaluateAll(environment: string, context: unknown): { ok: true; flags: OfrepEvaluation[] } | { ok: false; errorCode: OfrepErrorCode; errorDetails: string } {
    const result = this.current(environment).evaluator.evaluateAll(context);
    if (result.ok) for (const evaluation of result.flags) this.deps.metrics.count(environment, evaluation);
    return result;
  }

  private current(environment: string): Cached {
    const spec = this.deps.latestSpec();
    if (!spec) throw new SkiffError('SKIFF_NO_REVISION', undefined, { hint: 'apply a spec first: skiff apply skiff.yaml' });
    if (!Object.hasOwn(spec.environments, environment)) {
      throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `there is no environment "${environment}"`, {
        hint: `environments: ${Object.keys(spec.environments).join(', ')}`,
      });
    }
    const cached = this.cache.get(environment);
    if (cached && cached.spec === spec && cached.changes === this.changes) return cached;
    const flags = effectiveFlags(specFlagsFor(spec, environment), this.deps.store.runtimeFlags(environment));
    const definitions: Record<string, FlagSpec> = {};
    for (const flag of flags) definitions[flag.key] = flag.flag;
    const next = { spec, changes: this.changes, flags, evaluator: new FlagEvaluator(definitions) };
    this.cache.set(environment, next);
    return next;
  }
}

function describeChange(change: FlagChange): string {
  switch (change.kind) {
    case 'set':
      return [change.state !== undefined ? `state=${change.state}` : '', change.defaultVariant !== undefined ? `defaultVariant=${change.defaultVariant}` : ''].filter(Boolean).join(' ');
    case 'rollout':
      return `rollout ${change.variant ?? 'the new variant'} to ${change.percent}%`;
  }
}
