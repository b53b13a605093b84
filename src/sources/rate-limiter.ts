/** A token bucket per client address: a burst, then a steady rate; a bounded number of clients. */
import type { Clock } from '../core/clock.js';

export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

const maxClients = 1024;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** Takes one token for the client; false when it has none left. */
  take(client: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    // Re-inserted, so the map's order is least recently seen first, and that one goes when full.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size > maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
