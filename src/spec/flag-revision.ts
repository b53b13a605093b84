/** One run-time change of a flag in an environment, as the store keeps it and the API shows it. */
import type { FlagSpec } from './schema-flags.js';

export type FlagAction = 'set' | 'rollout' | 'reset';

export interface FlagRevision {
  readonly id: number;
  readonly environment: string;
  readonly flag: string;
  readonly action: FlagAction;
  /** The token's name. */
  readonly actor: string;
  readonly time: string;
  /** What was asked, for people: `state=DISABLED`, `on 10%`. */
  readonly summary: string;
  /** The flag in force before and after the change (after a reset: the spec's). */
  readonly before: FlagSpec;
  readonly after: FlagSpec;
  /** Whether a run-time definition is in force after the change (false after a reset). */
  readonly runtime: boolean;
}
