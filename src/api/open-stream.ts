/**
 * Long-lived streaming responses (NDJSON log follow, Server-Sent Events). The reply is taken over
 * from fastify so the headers go out at once: a client learns the stream is open before the
 * first line exists. Every open stream ends when the app closes, because an open response would
 * otherwise keep `server.close()` waiting forever. A stream also ends once the token it was opened
 * with is no longer valid (revoked): its token is checked again every second while it is open.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { stillAuthorized } from './access-control.js';

/** How long closing the app waits for a stream's last bytes before cutting the connection. */
const endFlushMs = 1000;
/** How often open streams check that their token is still valid. */
const recheckMs = 1000;

export interface OpenStream {
  /** Writes unless the client has gone. */
  write(text: string): void;
  /** Ends the response; resolves once the end went out (or after a short bound). */
  end(): Promise<void>;
  /** Aborts when the client disconnects or the stream ends. */
  readonly signal: AbortSignal;
}

export interface StreamTracker {
  open(reply: FastifyReply, contentType: string): OpenStream;
}

/** Creates a tracker for one plugin scope and ends its streams on the app's `preClose`. */
export function trackStreams(app: FastifyInstance): StreamTracker {
  const streams = new Map<OpenStream, FastifyReply['request']>();
  let rechecking: NodeJS.Timeout | null = null;
  const recheck = (): void => {
    for (const [stream, request] of streams) if (!stillAuthorized(request)) void stream.end();
  };
  const closed = (stream: OpenStream): void => {
    streams.delete(stream);
    if (streams.size === 0 && rechecking) {
      clearInterval(rechecking);
      rechecking = null;
    }
  };
  app.addHook('preClose', async () => {
    await Promise.all([...streams.keys()].map((stream) => stream.end()));
  });
  return {
    open(reply, contentType) {
      const stream = openStream(reply, contentType, () => closed(stream));
      streams.set(stream, reply.request);
      if (!rechecking) {
        rechecking = setInterval(recheck, recheckMs);
        rechecking.unref();
      }
      return stream;
    },
  };
}

function openStream(reply: FastifyReply, contentType: string, onClosed: () => void): OpenStream {
  const res = reply.raw;
  const closed = new AbortController();
  reply.hijack();
  res.writeHead(200, {
    'content-type': contentType,
    'cache-control': 'no-store',
    // Tells nginx-like proxies not to buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const finish = (): void => {
    if (closed.signal.aborted) return;
    closed.abort();
    onClosed();
  };
  res.once('close', () => {
    // The client went away; a half-closed socket would otherwise stay open until the server closes.
    if (!res.writableEnded) res.destroy();
    finish();
  });
  return {
    signal: closed.signal,
    write(text) {
      if (!closed.signal.aborted && !res.destroyed) res.write(text);
    },
    end() {
      const flushed = new Promise<void>((resolve) => {
        if (res.writableFinished || res.destroyed) return resolve();
        const timer = setTimeout(resolve, endFlushMs);
        res.once('close', done);
        res.once('finish', done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
      if (!res.writableEnded) res.end();
      finish();
      return flushed;
    },
  };
}
