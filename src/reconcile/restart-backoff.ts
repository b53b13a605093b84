/**
 * Exponential restart backoff with jitter, like Kubernetes' CrashLoopBackOff but with a fast
 * first retry: a single crash costs no wait, a crash loop backs off up to `maxMs`. The backoff is
 * for instances that cannot get ready: one that got ready and served before it crashed (a leak
 * that kills it every few hundred requests) is restarted at once, as PM2 restarts a process that
 * stayed up. Any wait there would let the service's instances fall into step and leave it with
 * none ready: with two instances, the one left alone takes all the traffic and reaches its crash
 * sooner, while the other waits.
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

/** What is known of an instance when it crashes. */
export interface CrashFacts {
  /** Crashes in a row before this one. */
  readonly previousCrashes: number;
  /** How long it had been ready when it crashed; null when it never got ready since its start. */
  readonly readyForMs: number | null;
}

export interface RestartDecision {
  /** The crash count to keep for the next crash. */
  readonly consecutiveCrashes: number;
  readonly delayMs: number;
}

/**
 * A crash after the instance got ready restarts it at once and leaves the count as it was (so
 * failed starts that follow keep backing off from where they were); a crash before it got ready
 * counts, and backs off.
 */
export function restartAfterCrash(facts: CrashFacts, random: () => number, policy: BackoffPolicy = defaultBackoffPolicy): RestartDecision {
  if (facts.readyForMs === null) {
    const consecutiveCrashes = facts.previousCrashes + 1;
    return { consecutiveCrashes, delayMs: restartDelayMs(consecutiveCrashes, random, policy) };
  }
  if (facts.readyForMs >= policy.resetAfterMs) return { consecutiveCrashes: 1, delayMs: 0 };
  return { consecutiveCrashes: Math.max(1, facts.previousCrashes), delayMs: 0 };
}
