/**
 * Request bodies passed through as they arrive: one of unknown length (chunked) until it exceeds
 * the route's limit; an HTTP/2 one checked for completeness.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

async function* limited(req: IncomingMessage, maxBytes: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      throw Object.assign(new Error(`the body is larger than ${maxBytes} bytes`), { code: 'SKIFF_BODY_TOO_LARGE' });
    }
    yield chunk;
  }
}

export function limitBody(req: IncomingMessage, maxBytes: number): Readable {
  return Readable.from(limited(req, maxBytes), { objectMode: false });
}

/**
 * node:http2's compatibility request ends its body also when the client reset the stream (or the
 * body broke its content-length): relayed as is, a truncated body would reach the instance as a
 * whole request. It fails instead, and the exchange is abandoned upstream.
 */
export function incompleteHttp2Body(req: IncomingMessage, received: number, contentLength: number): boolean {
  return (req as IncomingMessage & { aborted?: boolean }).aborted === true || (contentLength >= 0 && received !== contentLength);
}

async function* checkedHttp2(req: IncomingMessage, contentLength: number, maxBytes: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (maxBytes > 0 && size > maxBytes) {
      throw Object.assign(new Error(`the body is larger than ${maxBytes} bytes`), { code: 'SKIFF_BODY_TOO_LARGE' });
    }
    yield chunk;
  }
  if (incompleteHttp2Body(req, size, contentLength)) throw Object.assign(new Error('the HTTP/2 request body is incomplete'), { code: 'SKIFF_CLIENT_ABORTED' });
}

/** An HTTP/2 request body, failing when incomplete; `maxBytes` 0: no limit. */
export function checkedHttp2Body(req: IncomingMessage, contentLength: number, maxBytes: number): Readable {
  return Readable.from(checkedHttp2(req, contentLength, maxBytes), { objectMode: false });
}
