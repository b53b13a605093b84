/**
 * Watch: a chunked stream of JSON lines `{type, object}`. From a resourceVersion it replays the
 * logged events after it, or answers an ERROR event with a 410 Expired Status when that version
 * is older than the compaction window; without one it starts with ADDED for every object.
 * Bookmarks carry only the current resourceVersion.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceType } from './resources.js';
import { apiVersionOf } from './resources.js';
import { expired } from './status.js';
import type { KubeObject, ObjectStore, StoredEvent } from './store.js';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly matches: (object: KubeObject) => boolean;
  readonly resourceVersion?: string;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutSeconds?: number;
  readonly bookmarkIntervalMs: number;
  /** How an object is written in an event (the object itself, or a Table row for kubectl get -w). */
  readonly render: (object: KubeObject) => unknown;
}

export function serveWatch(store: ObjectStore, request: WatchRequest, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const send = (type: string, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const relevant = (object: KubeObject): boolean =>
    (request.namespace === undefined || object.metadata.namespace === request.namespace) && request.matches(object);
  const bookmark = (annotations?: Record<string, string>): void =>
    send('BOOKMARK', {
      kind: request.type.kind,
      apiVersion: apiVersionOf(request.type),
      metadata: { resourceVersion: String(store.currentRevision), ...(annotations ? { annotations } : {}) },
    });

  // An object that starts or stops matching the selector arrives as ADDED or DELETED, as on the real server.
  function deliver(event: StoredEvent): void {
    if (event.resource !== request.type) return;
    const now = relevant(event.object);
    const before = event.previous !== undefined && relevant(event.previous);
    if (event.type !== 'MODIFIED' || event.previous === undefined) {
      if (now) send(event.type, request.render(event.object));
    } else if (now) send(before ? 'MODIFIED' : 'ADDED', request.render(event.object));
    else if (before) send('DELETED', request.render(event.object));
  }

  const requested = request.resourceVersion;
  if (requested === undefined || requested === '' || requested === '0' || request.sendInitialEvents) {
    for (const object of store.list(request.type, request.namespace).filter(relevant)) send('ADDED', request.render(object));
    if (request.sendInitialEvents && request.allowBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const since = Number(requested);
    const backlog = Number.isFinite(since) ? store.eventsSince(since) : undefined;
    if (!backlog) {
      send('ERROR', expired(since, store.compactedRevision));
      res.end();
      return;
    }
    for (const event of backlog) deliver(event);
  }

  const unsubscribe = store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  if (request.allowBookmarks) timers.push(setInterval(() => bookmark(), request.bookmarkIntervalMs));
  if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), request.timeoutSeconds * 1000));
  const close = (): void => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
  };
  res.on('close', close);
  res.on('finish', close);
}
