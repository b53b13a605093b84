/**
 * A typed one-way channel between two parts that are built in order: the earlier one publishes,
 * the later one subscribes once it exists. Delivery is synchronous; a publisher that must not be
 * re-entered publishes after recording its own state.
 */
export class Topic<T> {
  private readonly listeners = new Set<(value: T) => void>();

  publish(value: T): void {
    for (const listener of this.listeners) listener(value);
  }

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
