/**
 * Retries as a share of live traffic: over a sliding 10 s window (ten 1 s buckets), retries may
 * not exceed `percent` of requests plus `minPerSecond` per second, so retries cannot multiply an
 * outage. Counting is two array increments; the window moves on the caller's coarse clock.
 */
const windowSeconds = 10;

export class RetryBudget {
  private readonly requests = new Array<number>(windowSeconds).fill(0);
  private readonly retries = new Array<number>(windowSeconds).fill(0);
  private second = 0;
  private requestSum = 0;
  private retrySum = 0;

  constructor(
    private readonly percent: number,
    private readonly minPerSecond: number,
  ) {}

  private advance(nowSecond: number): void {
    if (nowSecond === this.second) return;
    const steps = Math.min(nowSecond - this.second, windowSeconds);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.second + i) % windowSeconds;
      this.requestSum -= this.requests[slot] as number;
      this.retrySum -= this.retries[slot] as number;
      this.requests[slot] = 0;
      this.retries[slot] = 0;
    }
    this.second = nowSecond;
  }

  recordRequest(nowSecond: number): void {
    this.advance(nowSecond);
    (this.requests[nowSecond % windowSeconds] as number)++;
    this.requestSum++;
  }

  /** Takes one retry from the budget when there is one left. */
  tryRetry(nowSecond: number): boolean {
    this.advance(nowSecond);
    const allowed = (this.requestSum * this.percent) / 100 + this.minPerSecond * windowSeconds;
    if (this.retrySum + 1 > allowed) return false;
    (this.retries[nowSecond % windowSeconds] as number)++;
    this.retrySum++;
    return true;
  }
}
