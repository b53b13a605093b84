/**
 * Long-lived streaming responses (NDJSON log follow, Server-Sent Events). The reply is taken over
 * from fastify so the headers go out at once: a client learns the stream is open before the
 * first line exists. Every open stream ends when the app closes, because an open response would
 * otherwise keep `server.close()` waiting forever.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

/** How long closing the app waits for a stream's last bytes before cutting the connection. */
const endFlushMs = 1000;

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
  const streams = new Set<OpenStream>();
  app.addHook('preClose', async () => {
    await Promise.all([...streams].map((stream) => stream.end()));
  });
  return {
    open(reply, contentType) {
      const stream = openStream(reply, contentType, () => streams.delete(stream));
      streams.add(stream);
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
