/** Counts the stop signals a process gets: the first starts a stop, later ones hurry it. */
export class SignalCounter {
  private count = 0;
  private first: (signal: NodeJS.Signals) => void = () => undefined;
  private repeat: (signal: NodeJS.Signals) => void = () => undefined;
  private readonly handler = (signal: NodeJS.Signals): void => {
    this.count += 1;
    if (this.count === 1) this.first(signal);
    else this.repeat(signal);
  };

  constructor(private readonly signals: readonly NodeJS.Signals[]) {
    for (const signal of signals) process.on(signal, this.handler);
  }

  onFirst(listener: (signal: NodeJS.Signals) => void): void {
    this.first = listener;
  }

  onRepeat(listener: (signal: NodeJS.Signals) => void): void {
    this.repeat = listener;
  }

  dispose(): void {
    for (const signal of this.signals) process.off(signal, this.handler);
  }
}
