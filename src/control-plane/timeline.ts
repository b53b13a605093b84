/**
 * The event timeline: every event is appended to the store (it is also the audit trail of what
 * the platform did), logged, and handed to the subscribers (streams, alerts). Built first, so
 * nothing emitted while the rest of the control plane starts is lost.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { NewEvent, StateStore, StoredEvent } from '../store/state-store.js';

export class Timeline {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  emit(event: NewEvent): void {
    const stored = this.store.appendEvent(event);
    this.logger.info({ event: stored.type, service: stored.service, instance: stored.instance }, stored.message);
    this.emitter.emit('event', stored);
  }

  onEvent(listener: (event: StoredEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
