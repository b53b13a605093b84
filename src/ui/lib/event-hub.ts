/**
 * One subscription to the API's event stream for the whole dashboard. Views register a listener
 * and refetch what an event touches; after a reconnect they get `null` ("you may have missed
 * something") and refetch everything, since the server's replay is bounded.
 */
import type { EventRecord } from '../../api/control-plane.js';
import type { ApiClient } from '../../client/api-client.js';

export type EventListener = (event: EventRecord | null) => void;
export type StreamState = 'connecting' | 'live' | 'offline';
/** Makes the client the hub streams with; it calls `onOpen` when the stream's response arrives. */
export type StreamClientFactory = (onOpen: (ok: boolean) => void) => Pick<ApiClient, 'streamEvents'>;

const minRetryMs = 500;
const maxRetryMs = 5_000;

export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private readonly stateListeners = new Set<(state: StreamState) => void>();
  private readonly client: Pick<ApiClient, 'streamEvents'>;
  private readonly stopped = new AbortController();
  private lastId: number | undefined;
  private dropped = false;
  state: StreamState = 'connecting';

  constructor(makeClient: StreamClientFactory) {
    this.client = makeClient((ok) => this.opened(ok));
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: StreamState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  start(): void {
    void this.run(this.stopped.signal);
  }

  stop(): void {
    this.stopped.abort();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let retryMs = minRetryMs;
    while (!signal.aborted) {
      this.setState('connecting');
      try {
        const options = this.lastId === undefined ? {} : { afterId: this.lastId };
        await this.client.streamEvents(
          (event) => {
            retryMs = minRetryMs;
            this.lastId = event.id;
            this.emit(event);
          },
          signal,
          options,
        );
      } catch {
        // Shown as offline; the loop retries.
      }
      if (signal.aborted) return;
      this.setState('offline');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, maxRetryMs);
      this.dropped = true;
    }
  }

  private opened(ok: boolean): void {
    this.setState(ok ? 'live' : 'offline');
    if (ok && this.dropped) {
      this.dropped = false;
      this.emit(null);
    }
  }

  private emit(event: EventRecord | null): void {
    for (const listener of this.listeners) listener(event);
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
