/**
 * Exponential restart backoff with jitter, like Kubernetes' CrashLoopBackOff but with a fast
 * first retry: a single crash costs no wait, a crash loop backs off up to `maxMs`.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Fraction of the delay added or removed at random, so many crashing instances do not restart in step. */
  readonly jitter: number;
  /** Running ready this long resets the crash count. */
  readonly resetAfterMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = {
  initialMs: 250,
  maxMs: 30_000,
  jitter: 0.2,
  resetAfterMs: 10_000,
};

/** Delay before restart number `consecutiveCrashes` (1 = the first crash). `random` returns [0, 1). */
export function restartDelayMs(
  consecutiveCrashes: number,
  random: () => number,
  policy: BackoffPolicy = defaultBackoffPolicy,
): number {
  if (consecutiveCrashes <= 1) return 0;
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (consecutiveCrashes - 2));
  const jittered = base * (1 + (random() * 2 - 1) * policy.jitter);
  return Math.round(Math.min(policy.maxMs, Math.max(0, jittered)));
}
