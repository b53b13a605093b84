/** When a certificate is renewed and when a failed order is tried again: pure. */

const day = 24 * 60 * 60 * 1000;

/**
 * 30 days before expiry, or at 2/3 of its lifetime when that is later: a short-lived certificate
 * (Let's Encrypt's 6-day ones, a test CA's minutes) would otherwise be renewed at once, forever.
 */
export function renewalTime(notBefore: number, notAfter: number): number {
  return Math.max(notAfter - 30 * day, notBefore + Math.floor(((notAfter - notBefore) * 2) / 3));
}

export interface RetryPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** A CA limits failed validations (Let's Encrypt: 5 per host and hour): start at a minute, double, cap at 6 h. */
export const defaultRetryPolicy: RetryPolicy = { firstMs: 60_000, maxMs: 6 * 60 * 60 * 1000 };

/** The wait after the `attempts`-th failure in a row (1 = the first). */
export function retryDelayMs(attempts: number, policy: RetryPolicy = defaultRetryPolicy): number {
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}
