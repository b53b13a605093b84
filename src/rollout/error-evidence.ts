/**
 * Sequential evidence that a canary's error rate is above an analysis' limit, valid however often
 * it is looked at: a mixture of likelihood ratios (mixture SPRT) of "the rate is q" against "the
 * rate is the limit", over a grid of q above the limit. Under any true rate at or below the limit
 * each ratio is a nonnegative supermartingale, so by Ville's inequality the mixture ever reaching
 * 1/alpha has probability at most alpha — after every request, every second or at the end alike.
 */

/** Rates the mixture weighs, as multiples of the limit (capped below 1). */
const alternativeMultiples: readonly number[] = [1.5, 2, 3, 5, 10, 20, 50];
const highestAlternative = 0.9;
/** With a limit of 0 the check cannot pass once one error is seen. */
const noErrorsAllowed = 0;

export interface ErrorEvidence {
  /** Mixture likelihood ratio in favour of a rate above the limit (may overflow to Infinity). */
  readonly bayesFactor: number;
  /** The limit is 0 and an error was seen: no evidence is needed. */
  readonly cannotPass: boolean;
  /** The threshold it must reach: 1 / alpha. */
  readonly threshold: number;
  readonly conclusive: boolean;
}

/** The alternatives for `limit`: distinct rates strictly between the limit and 1. */
function alternatives(limit: number): number[] {
  const rates = alternativeMultiples.map((multiple) => Math.min(highestAlternative, limit * multiple)).filter((rate) => rate > limit);
  return [...new Set(rates)];
}

/**
 * How strongly `errors` of `requests` say the true error rate is above `limit` (a fraction).
 * Conclusive when the mixture reaches 1 / `alpha`.
 */
export function errorRateEvidence(requests: number, errors: number, limit: number, alpha: number): ErrorEvidence {
  const threshold = 1 / alpha;
  if (limit <= noErrorsAllowed) {
    const cannotPass = errors > 0;
    return { bayesFactor: cannotPass ? Infinity : 1, cannotPass, threshold, conclusive: cannotPass };
  }
  const rates = alternatives(limit);
  if (rates.length === 0 || requests <= 0) return { bayesFactor: 1, cannotPass: false, threshold, conclusive: false };
  const successes = Math.max(0, requests - errors);
  const logRatios = rates.map((rate) => errors * Math.log(rate / limit) + successes * Math.log((1 - rate) / (1 - limit)));
  // log of the mean of exp(logRatios), computed stably.
  const top = Math.max(...logRatios);
  const logFactor = top + Math.log(logRatios.reduce((sum, value) => sum + Math.exp(value - top), 0) / rates.length);
  return { bayesFactor: Math.exp(logFactor), cannotPass: false, threshold, conclusive: logFactor >= Math.log(threshold) };
}
