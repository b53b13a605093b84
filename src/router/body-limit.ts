/** A request body of unknown length (chunked), passed through until it exceeds the route's limit. */
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
