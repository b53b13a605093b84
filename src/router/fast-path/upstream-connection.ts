/**
 * One raw keep-alive connection to an instance on the fast path. It sends a request head, reads
 * the answer's head and framing, hands the body bytes on as they arrive, and knows exactly where
 * the answer ends, so the connection goes back to its pool for the next request. Anything odd
 * (interim 101, a malformed head or chunk, extra bytes) closes the connection instead.
 */
import { connect, type Socket } from 'node:net';
import { ChunkedBody, ChunkScan } from './chunked-body.js';
import { maxResponseHeadBytes, parseResponseHead, ParsedResponse, ResponseOutcome } from './response-head.js';

export const BodyMode = { None: 0, Length: 1, Chunked: 2, UntilClose: 3 } as const;
export type BodyMode = (typeof BodyMode)[keyof typeof BodyMode];

export const UpstreamFailure = {
  /** The connection could not be established. */
  Connect: 0,
  /** The connection failed or closed before any byte of the answer. */
  Closed: 1,
  /** The answer's head or framing was not understood; nothing was passed on yet. */
  Malformed: 2,
  /** The connection failed, or the framing broke, after the answer's head was passed on. */
  Broken: 3,
} as const;
export type UpstreamFailure = (typeof UpstreamFailure)[keyof typeof UpstreamFailure];

/** The exchange using a connection. */
export interface UpstreamUser {
  /** A new connection is up; the request written before it is on its way. */
  connected(): void;
  /** The answer's head and the body bytes that came with it, `buf[bodyStart, bodyEnd)`; `done`: nothing more follows. */
  answer(head: ParsedResponse, mode: BodyMode, buf: Buffer, bodyStart: number, bodyEnd: number, dataBytes: number, done: boolean): void;
  /** More of the body, `buf[start, end)`; `dataBytes` excludes chunk framing. */
  body(buf: Buffer, start: number, end: number, dataBytes: number, done: boolean): void;
  failed(failure: UpstreamFailure, code: string): void;
}

/** The pool a connection returns to. */
export interface ConnectionOwner {
  release(connection: UpstreamConnection): void;
  forget(connection: UpstreamConnection): void;
  /** A bug in the proxy's own code while handling this connection: logged, not thrown. */
  fault(err: unknown): void;
}

const empty = Buffer.alloc(0);

/**
 * Every upstream connection of the process reads into this one buffer (net's `onread`): no
 * allocation and no stream machinery per read. Bytes are used before the callback returns; what
 * must outlive it (a partial head, body bytes queued for the client) is copied.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

export class UpstreamConnection {
  readonly socket: Socket;
  user: UpstreamUser | null = null;
  connected = false;
  /** False once the connection must not carry another request. */
  reusable = true;
  /** Coarse time it went idle in its pool. */
  idleSince = 0;
  /** How long it may stay idle: the pool's limit, lowered by the instance's `Keep-Alive: timeout`. */
  keepAliveMs: number;
  /** Requests sent on this connection. */
  uses = 0;

  private readonly owner: ConnectionOwner;
  private expectsBody = true;
  private inBody = false;
  private mode: BodyMode = BodyMode.None;
  private remaining = 0;
  private partial: Buffer | null = null;
  private chunks: ChunkedBody | null = null;
  private readonly response = new ParsedResponse();

  constructor(owner: ConnectionOwner, host: string, port: number, keepAliveMs: number) {
    this.owner = owner;
    this.keepAliveMs = keepAliveMs;
    this.socket = connect({ host, port, onread: { buffer: readBuffer, callback: this.onRead } });
    this.socket.setNoDelay(true);
    this.socket.on('connect', this.onConnect);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  /** Sends a request head (a request without body) for `user`. */
  send(user: UpstreamUser, head: string, isHead: boolean): void {
    this.user = user;
    this.expectsBody = !isHead;
    this.inBody = false;
    this.partial = null;
    this.uses++;
    this.socket.write(head, 'latin1');
  }

  /** Gives the connection up in the middle of an exchange (client gone, timeout). */
  abort(): void {
    this.user = null;
    this.reusable = false;
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    this.user?.connected();
  };

  /** Returns true: pausing, when the client is slow, goes through `pause()`. */
  private readonly onRead = (bytes: number, buf: Uint8Array): boolean => {
    this.onData((buf as Buffer).subarray(0, bytes));
    return true;
  };

  /** `chunk` is only valid during the call (it is `readBuffer`). */
  private onData(chunk: Buffer): void {
    const user = this.user;
    if (user === null) {
      // Bytes nobody asked for: this connection's framing cannot be trusted any more.
      this.reusable = false;
      this.socket.destroy();
      return;
    }
    try {
      if (this.inBody) this.readBody(user, chunk);
      else this.readHead(user, chunk);
    } catch (err) {
      // One broken exchange must not take the worker (and every other request) down.
      this.owner.fault(err);
      try {
        this.fail(UpstreamFailure.Broken, 'SKIFF_INTERNAL');
      } catch (again) {
        this.owner.fault(again);
      }
    }
  }

  private readHead(user: UpstreamUser, chunk: Buffer): void {
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    const response = this.response;
    let start = 0;
    for (;;) {
      const outcome = parseResponseHead(buf, start, response);
      if (outcome === ResponseOutcome.Partial) {
        if (buf.length - start >= maxResponseHeadBytes) break;
        this.partial = Buffer.from(buf.subarray(start));
        return;
      }
      if (outcome === ResponseOutcome.Bad || response.status === 101) break;
      if (response.status >= 200) {
        this.readAnswer(user, buf, response);
        return;
      }
      // An interim answer (100, 102, 103) is not passed on, like undici does.
      start = response.end;
      if (start === buf.length) return;
    }
    this.fail(UpstreamFailure.Malformed, 'SKIFF_MALFORMED_ANSWER');
  }

  private readAnswer(user: UpstreamUser, buf: Buffer, response: ParsedResponse): void {
    this.inBody = true;
    if (response.close) this.reusable = false;
    if (response.keepAliveMs >= 0) {
      // Like undici: stop reusing a second before the instance's own idle timeout.
      this.keepAliveMs = Math.min(this.keepAliveMs, response.keepAliveMs - 1_000);
      if (this.keepAliveMs <= 0) this.reusable = false;
    }
    const status = response.status;
    const bodyStart = response.end;
    let bodyEnd = bodyStart;
    let data = 0;
    let done = false;
    let mode: BodyMode;
    if (!this.expectsBody || status === 204 || status === 304) {
      mode = BodyMode.None;
      done = true;
    } else if (response.chunked) {
      mode = BodyMode.Chunked;
      const chunks = (this.chunks ??= new ChunkedBody());
      chunks.reset();
      const end = chunks.scan(buf, bodyStart, buf.length);
      if (end === ChunkScan.Malformed) {
        this.fail(UpstreamFailure.Malformed, 'SKIFF_MALFORMED_ANSWER');
        return;
      }
      done = end >= 0;
      bodyEnd = done ? end : buf.length;
      data = chunks.takeDataBytes();
    } else if (response.contentLength >= 0) {
      mode = BodyMode.Length;
      data = Math.min(response.contentLength, buf.length - bodyStart);
      this.remaining = response.contentLength - data;
      bodyEnd = bodyStart + data;
      done = this.remaining === 0;
    } else {
      mode = BodyMode.UntilClose;
      this.reusable = false;
      bodyEnd = buf.length;
      data = bodyEnd - bodyStart;
    }
    this.mode = mode;
    if (done) this.release(bodyEnd < buf.length);
    user.answer(response, mode, buf, bodyStart, bodyEnd, data, done);
  }

  private readBody(user: UpstreamUser, buf: Buffer): void {
    let end = buf.length;
    let data = end;
    let done = false;
    switch (this.mode) {
      case BodyMode.Length:
        end = data = Math.min(this.remaining, buf.length);
        this.remaining -= end;
        done = this.remaining === 0;
        break;
      case BodyMode.Chunked: {
        const chunks = this.chunks as ChunkedBody;
        const found = chunks.scan(buf, 0, buf.length);
        if (found === ChunkScan.Malformed) {
          this.fail(UpstreamFailure.Broken, 'SKIFF_MALFORMED_CHUNK');
          return;
        }
        done = found >= 0;
        if (done) end = found;
        data = chunks.takeDataBytes();
        break;
      }
      default:
        break;
    }
    if (done) this.release(end < buf.length);
    user.body(buf, 0, end, data, done);
  }

  /** The answer ended: back to the pool (or closed, when it cannot be reused). */
  private release(extraBytes: boolean): void {
    this.user = null;
    this.inBody = false;
    if (extraBytes) this.reusable = false;
    this.owner.release(this);
  }

  private fail(failure: UpstreamFailure, code: string): void {
    const user = this.user;
    this.user = null;
    this.reusable = false;
    this.socket.destroy();
    this.owner.forget(this);
    user?.failed(failure, code);
  }

  private readonly onEnd = (): void => {
    this.reusable = false;
    const user = this.user;
    if (user === null) {
      this.owner.forget(this);
      this.socket.destroy();
      return;
    }
    if (this.inBody && this.mode === BodyMode.UntilClose) {
      this.release(false);
      user.body(empty, 0, 0, 0, true);
      return;
    }
    this.fail(this.inBody ? UpstreamFailure.Broken : UpstreamFailure.Closed, 'SKIFF_UPSTREAM_CLOSED');
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.reusable = false;
    if (this.user === null) {
      this.owner.forget(this);
      return;
    }
    const failure = !this.connected ? UpstreamFailure.Connect : this.inBody ? UpstreamFailure.Broken : UpstreamFailure.Closed;
    this.fail(failure, err.code ?? 'ECONNRESET');
  };

  private readonly onClose = (): void => {
    this.reusable = false;
    this.owner.forget(this);
    if (this.user === null) return;
    const failure = !this.connected ? UpstreamFailure.Connect : this.inBody ? UpstreamFailure.Broken : UpstreamFailure.Closed;
    this.fail(failure, 'SKIFF_UPSTREAM_CLOSED');
  };
}
