/**
 * Test helpers for the fast path: a scripted backend on a raw TCP server (it writes exactly the
 * bytes a test gives it) and a raw client that reads answers off one connection. Not used at runtime.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface RawRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** 1 for the backend's first connection, and so on. */
  readonly connection: number;
  /** 1 for the first request on its connection. */
  readonly indexOnConnection: number;
}

export interface RawBackend {
  readonly port: number;
  readonly requests: RawRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Connections closed so far. */
  closedConnections(): number;
  close(): Promise<void>;
}

/** `answer` writes the raw answer to `socket` (or closes it); requests are parsed with Content-Length bodies only. */
export async function startRawBackend(answer: (request: RawRequest, socket: Socket) => void): Promise<RawBackend> {
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let closed = 0;
  const server: Server = createServer((socket) => {
    const connection = ++accepted;
    let index = 0;
    let pending = '';
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      closed++;
    });
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const [line = '', ...lines] = pending.slice(0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const text of lines) {
          const colon = text.indexOf(':');
          const name = text.slice(0, colon).toLowerCase();
          const value = text.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        const length = Number(headers['content-length'] ?? 0);
        if (pending.length < end + 4 + length) return;
        const body = pending.slice(end + 4, end + 4 + length);
        pending = pending.slice(end + 4 + length);
        const [method = '', url = ''] = line.split(' ');
        const request = { method, url, headers, body, connection, indexOnConnection: ++index };
        requests.push(request);
        answer(request, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => accepted,
    closedConnections: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A complete answer with a Content-Length body. */
export function lengthAnswer(body: string, status = '200 OK', headers = ''): string {
  return `HTTP/1.1 ${status}\r\n${headers}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

export interface RawAnswer {
  readonly status: number;
  readonly head: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Reads one answer from `text` at `start`, strictly by its framing; undefined when incomplete.
 * `bodyless`: the answer to a HEAD request.
 */
function readAnswer(text: string, start: number, bodyless: boolean, closed: boolean): { answer: RawAnswer; end: number } | undefined {
  const headEnd = text.indexOf('\r\n\r\n', start);
  if (headEnd === -1) return undefined;
  const head = text.slice(start, headEnd);
  const [line = '', ...lines] = head.split('\r\n');
  const status = Number(line.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const header of lines) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).toLowerCase();
    const value = header.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let at = headEnd + 4;
  if (bodyless || status === 204 || status === 304 || status < 200) return { answer: { status, head, headers, body: '' }, end: at };
  if (headers['transfer-encoding'] === 'chunked') {
    let body = '';
    for (;;) {
      const lineEnd = text.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = parseInt(text.slice(at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size line: ${JSON.stringify(text.slice(at, lineEnd))}`);
      at = lineEnd + 2;
      if (size === 0) {
        const end = text.indexOf('\r\n\r\n', at - 2);
        if (end === -1) return undefined;
        return { answer: { status, head, headers, body }, end: end + 4 };
      }
      if (text.length < at + size + 2) return undefined;
      body += text.slice(at, at + size);
      if (text.slice(at + size, at + size + 2) !== '\r\n') throw new Error('chunk not followed by CRLF');
      at += size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (text.length < at + length) return undefined;
    return { answer: { status, head, headers, body: text.slice(at, at + length) }, end: at + length };
  }
  return closed ? { answer: { status, head, headers, body: text.slice(at) }, end: text.length } : undefined;
}

export interface RawClient {
  readonly socket: Socket;
  send(text: string): void;
  /** Waits for `count` more answers (HEAD answers flagged in `bodyless`, by position). */
  answers(count: number, bodyless?: readonly boolean[]): Promise<RawAnswer[]>;
  /** Bytes after the answers read so far. */
  rest(): string;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}… (${text.length} bytes)` : text);
}

export function rawClient(port: number, timeoutMs = 5_000): RawClient {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let offset = 0;
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    wake();
  });
  socket.on('error', () => {});
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      wake();
      resolve();
    }),
  );
  return {
    socket,
    send: (bytes) => socket.write(bytes, 'latin1'),
    answers: (count, bodyless = []) =>
      new Promise<RawAnswer[]>((resolve, reject) => {
        const check = (): void => {
          const found: RawAnswer[] = [];
          let at = offset;
          for (let i = 0; i < count; i++) {
            const read = readAnswer(text, at, bodyless[i] === true, closed);
            if (read === undefined) {
              if (closed) finish(new Error(`connection closed after ${found.length} of ${count} answers: ${excerpt(text.slice(offset))}`));
              return;
            }
            found.push(read.answer);
            at = read.end;
          }
          offset = at;
          finish(undefined, found);
        };
        const timer = setTimeout(() => finish(new Error(`no ${count} answers within ${timeoutMs} ms: ${excerpt(text.slice(offset))}`)), timeoutMs);
        const finish = (err: Error | undefined, found?: RawAnswer[]): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(found as RawAnswer[]);
        };
        waiters.add(check);
        check();
      }),
    rest: () => text.slice(offset),
    closed: closedPromise,
    isClosed: () => closed,
  };
}

/** A GET (or another method without body) as a client would send it. */
export function get(path: string, headers = '', method = 'GET'): string {
  return `${method} ${path} HTTP/1.1\r\nHost: app.test\r\n${headers}\r\n`;
}
