/** Calls `tick` now and then every `everyMs` until stopped: the heartbeat of the source watchers. */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tick: () => void,
    private readonly everyMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(this.tick, this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
