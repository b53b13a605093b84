/** Converts between node:http's request and response and the web-standard Request and Response. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';

export function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) headers.append(raw[index] as string, raw[index + 1] as string);
  const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (hasBody) {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
    // Required by undici's Request for a streamed body.
    init.duplex = 'half';
  }
  return new Request(url, init);
}

/** What a read gives when the chunk was not there yet: the body is still being produced. */
const notYet = Symbol('not yet');

/** The read's result if it settles before the event loop turns (the stream had it queued), else `notYet`. */
function readIfQueued<T>(read: Promise<T>): Promise<T | typeof notYet> {
  return Promise.race([read, new Promise<typeof notYet>((resolve) => setImmediate(resolve, notYet))]);
}

type BodyReader = ReadableStreamDefaultReader<Uint8Array>;

async function* chunksOf(reader: BodyReader, first: Uint8Array, second: ReturnType<BodyReader['read']>): AsyncGenerator<Uint8Array> {
  yield first;
  for (let next = await second; !next.done; next = await reader.read()) yield next.value;
}

/**
 * Writes the head and streams the body with backpressure; resolves when the client has it all.
 * A body that is whole at once (a string, JSON, bytes) goes out with its length in one write:
 * the caller has the whole answer a turn of each event loop sooner than with a chunked end.
 */
export async function sendResponse(response: Response, res: ServerResponse, method: string | undefined): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const head = (): void => void res.writeHead(response.status, response.statusText || undefined, headers);
  if (response.body === null || method === 'HEAD') {
    head();
    res.end();
    return;
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  if (first.done) {
    head();
    res.end();
    return;
  }
  const second = reader.read();
  const queued = await readIfQueued(second);
  if (queued !== notYet && queued.done) {
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = String(first.value.byteLength);
    head();
    res.end(first.value);
    await finished(res);
    return;
  }
  head();
  await pipeline(Readable.from(chunksOf(reader, first.value, second)), res);
}
