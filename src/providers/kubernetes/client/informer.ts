/**
 * An informer: a local cache of the objects of one kind (in one namespace, matching a label
 * selector) kept current by list + watch, with listeners called on each add, update and delete.
 * A watch continues from the last resourceVersion seen; when the server no longer has it (410
 * Gone) the informer lists again and reports the differences as events, so no change is missed.
 * A broken watch reconnects after a capped, jittered backoff.
 */
import { SkiffError, isSkiffError } from '../../../core/errors.js';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import type { KubeClient } from './kube-client.js';
import { objectKey, type KubeObject, type WatchEvent } from './kube-objects.js';
import type { ResourceType } from './resources.js';

export type InformerEvent<T extends KubeObject> =
  | { readonly type: 'added'; readonly object: T }
  | { readonly type: 'updated'; readonly object: T; readonly previous: T }
  | { readonly type: 'deleted'; readonly object: T };

/** A failed list or watch; the informer retries after `retryInMs`. */
export interface InformerProblem {
  readonly error: SkiffError;
  readonly retryInMs: number;
}

export interface InformerOptions {
  readonly client: KubeClient;
  readonly type: ResourceType;
  /** The client's namespace when unset. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly backoff?: BackoffPolicy;
  /** [0, 1); Math.random by default. */
  readonly random?: () => number;
  /** How long each watch request asks the server to keep it open before the informer opens the next (300 s). */
  readonly watchTimeoutSeconds?: number;
  /**
   * A watch that delivers nothing, not even a bookmark, for this long is taken for a dead connection
   * (a NAT or proxy that dropped it silently) and opened again: watchTimeoutSeconds + 60 s by default.
   */
  readonly watchIdleTimeoutMs?: number;
}

export interface InformerStats {
  readonly lists: number;
  readonly watches: number;
  readonly bookmarks: number;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly eventListeners = new Set<(event: InformerEvent<T>) => void>();
  private readonly problemListeners = new Set<(problem: InformerProblem) => void>();
  private readonly abort = new AbortController();
  private readonly syncedPromise: Promise<void>;
  private markSynced!: () => void;
  private failSync!: (error: Error) => void;
  private isSynced = false;
  private lastError: SkiffError | undefined;
  private resourceVersion = '';
  private running: Promise<void> | undefined;
  private counts = { lists: 0, watches: 0, bookmarks: 0 };

  constructor(private readonly options: InformerOptions) {
    this.syncedPromise = new Promise<void>((resolve, reject) => {
      this.markSynced = resolve;
      this.failSync = reject;
    });
    // stop() before the first list rejects synced(); a caller that never asked must not see an unhandled rejection.
    this.syncedPromise.catch(() => undefined);
  }

  /** Called for every change, in order; the cache already holds the change when a listener runs. */
  onEvent(listener: (event: InformerEvent<T>) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onProblem(listener: (problem: InformerProblem) => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Resolves once the first list is in the cache (and its objects were reported as added). */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The cached object; `namespace` defaults to the informer's. */
  get(name: string, namespace?: string): T | undefined {
    const { type, client } = this.options;
    return this.cache.get(type.namespaced ? `${namespace ?? this.options.namespace ?? client.namespace}/${name}` : name);
  }

  stats(): InformerStats {
    return { ...this.counts };
  }

  /** Ends the watch and any pending retry; resolves when nothing of the informer runs any more. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('the informer was stopped'));
    await this.running;
    if (!this.isSynced) this.failSync(this.lastError ?? new SkiffError('SKIFF_KUBE_REQUEST_FAILED', `the informer of ${this.options.type.plural} stopped before its first list`));
  }

  private async run(): Promise<void> {
    const { backoff = DEFAULT_BACKOFF, random = Math.random } = this.options;
    let attempt = 0;
    let needList = true;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        if (await this.watchOnce()) attempt = 0;
        await sleep(backoffDelay(attempt++, backoff, random), this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) break;
        const problem = asSkiffError(error);
        if (problem.code === 'SKIFF_KUBE_EXPIRED') needList = true;
        // A first 410 after a healthy watch lists again at once; repeated failures wait longer each time.
        const delay = problem.code === 'SKIFF_KUBE_EXPIRED' && attempt === 0 ? 0 : backoffDelay(attempt, backoff, random);
        attempt++;
        this.lastError = problem;
        this.report({ error: problem, retryInMs: delay });
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const { client, type, namespace, labelSelector } = this.options;
    this.counts.lists++;
    const list = await client.listAll<T>(type, { ...(namespace ? { namespace } : {}), ...(labelSelector ? { labelSelector } : {}), signal: this.abort.signal });
    if (this.abort.signal.aborted) return;
    const before = new Map(this.cache);
    this.cache.clear();
    for (const object of list.items) this.cache.set(objectKey(object), object);
    this.resourceVersion = list.resourceVersion;
    for (const [key, previous] of before) if (!this.cache.has(key)) this.emit({ type: 'deleted', object: previous });
    for (const [key, object] of this.cache) {
      const previous = before.get(key);
      if (!previous) this.emit({ type: 'added', object });
      else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion) this.emit({ type: 'updated', object, previous });
    }
    if (!this.isSynced) {
      this.isSynced = true;
      this.markSynced();
    }
  }

  /** One watch request, until it ends; whether it delivered anything. */
  private async watchOnce(): Promise<boolean> {
    const { client, type, namespace, labelSelector, watchTimeoutSeconds = 300 } = this.options;
    const idleMs = this.options.watchIdleTimeoutMs ?? (watchTimeoutSeconds + 60) * 1000;
    this.counts.watches++;
    let progressed = false;
    const idle = new AbortController();
    const watchdog = setTimeout(() => {
      idle.abort(new SkiffError('SKIFF_KUBE_UNREACHABLE', `the watch of ${type.plural} received nothing, not even a bookmark, for ${idleMs} ms; opening it again`));
    }, idleMs);
    try {
      const events = client.watch<T>(type, {
        ...(namespace ? { namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: watchTimeoutSeconds,
        signal: AbortSignal.any([this.abort.signal, idle.signal]),
      });
      for await (const event of events) {
        watchdog.refresh();
        progressed = true;
        this.apply(event);
      }
    } finally {
      clearTimeout(watchdog);
    }
    if (idle.signal.aborted && !this.abort.signal.aborted) throw idle.signal.reason;
    return progressed;
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === 'BOOKMARK') {
      this.counts.bookmarks++;
      this.resourceVersion = event.resourceVersion || this.resourceVersion;
      return;
    }
    const key = objectKey(event.object);
    const previous = this.cache.get(key);
    this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      if (previous) this.emit({ type: 'deleted', object: event.object });
      return;
    }
    if (previous?.metadata.resourceVersion === event.object.metadata.resourceVersion) return;
    this.cache.set(key, event.object);
    this.emit(previous ? { type: 'updated', object: event.object, previous } : { type: 'added', object: event.object });
  }

  private emit(event: InformerEvent<T>): void {
    for (const listener of this.eventListeners) {
      try {
        listener(event);
      } catch (error) {
        this.report({ error: new SkiffError('SKIFF_INTERNAL', `an informer listener of ${this.options.type.plural} failed: ${(error as Error).message}`, { cause: error }), retryInMs: 0 });
      }
    }
  }

  private report(problem: InformerProblem): void {
    for (const listener of this.problemListeners) listener(problem);
  }
}

function asSkiffError(error: unknown): SkiffError {
  if (isSkiffError(error)) return error;
  return new SkiffError('SKIFF_KUBE_REQUEST_FAILED', `the watch failed: ${(error as Error).message}`, { cause: error });
}

/** Waits `ms`, or less when `signal` aborts; leaves no timer behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
