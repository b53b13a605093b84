/**
 * A request to stop, made by whoever may ask (the API's stop route, a signal) and awaited by the
 * one that stops: nothing needs a reference to what is built after it.
 */
export class StopRequest {
  private resolveRequested: (reason: string) => void = () => undefined;
  /** Resolves with the first reason given. */
  readonly requested: Promise<string> = new Promise((resolve) => (this.resolveRequested = resolve));

  request(reason: string): void {
    this.resolveRequested(reason);
  }
}
