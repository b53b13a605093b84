/** Readers for the API's streaming bodies: NDJSON lines and Server-Sent Events. */

/** Calls `onLine` with each non-empty line of the body (NDJSON). */
export async function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  await forEachLine(body, (line) => {
    if (line.trim() !== '') onLine(line);
  });
}

export interface ServerSentEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** Parses `text/event-stream`; comments and unknown fields are skipped. */
export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: ServerSentEvent) => void,
): Promise<void> {
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  await forEachLine(body, (line) => {
    if (line === '') {
      if (data.length) onEvent({ id, event, data: data.join('\n') });
      event = 'message';
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  });
}

async function forEachLine(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  // Node 20's web streams are async iterable; the DOM typings do not say so.
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    lines.forEach(onLine);
  }
  buffered += decoder.decode();
  if (buffered !== '') onLine(buffered);
}
