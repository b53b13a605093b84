/**
 * The port the flag routes and OFREP serve, apart from the ControlPlane: run-time changes of
 * flags per environment and their evaluation. `main/` wires the control plane's flag service to it.
 */
import type { FlagChange } from '../flags/flag-changes.js';
import type { EffectiveFlag } from '../flags/flag-set.js';
import type { OfrepErrorCode, OfrepEvaluation } from '../flags/ofrep.js';
import type { FlagRevision } from '../spec/flag-revision.js';

export type { EffectiveFlag, FlagChange, FlagRevision, OfrepErrorCode, OfrepEvaluation };

export interface FlagChangeResult {
  readonly flag: EffectiveFlag;
  /** Null when nothing changed (a reset of a flag without a run-time change). */
  readonly revision: FlagRevision | null;
}

export type BulkEvaluation = { readonly ok: true; readonly flags: OfrepEvaluation[] } | { readonly ok: false; readonly errorCode: OfrepErrorCode; readonly errorDetails: string };

export interface FlagsPort {
  /** SKIFF_UNKNOWN_ENVIRONMENT for an environment the spec lacks. */
  list(environment: string): EffectiveFlag[];
  /** SKIFF_FLAG_NOT_FOUND for a key the environment lacks. */
  get(environment: string, key: string): EffectiveFlag;
  change(options: { readonly environment: string; readonly key: string; readonly change: FlagChange; readonly actor: string }): FlagChangeResult;
  /** Back to the spec's definition. */
  reset(options: { readonly environment: string; readonly key: string; readonly actor: string }): FlagChangeResult;
  /** Newest first. */
  revisions(environment: string, key: string, limit: number): FlagRevision[];
  /** One flag for an OFREP call (counted in /metrics). */
  evaluate(environment: string, key: string, context: unknown): OfrepEvaluation;
  evaluateAll(environment: string, context: unknown): BulkEvaluation;
}
