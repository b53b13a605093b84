/**
 * A client connection while the fast path serves it: reads request heads straight from the
 * socket, runs one exchange at a time (pipelined requests wait their turn, so answers stay in
 * order), and writes answers as raw bytes. The first request the fast path does not take, and
 * everything after it on that connection, goes to node:http: the unread bytes are put back on the
 * socket and node:http's connection handler takes the socket over, exactly as if it had been
 * accepted there.
 */
import type { Socket } from 'node:net';
import type { ExchangeClient, FastExchange } from './fast-exchange.js';
import { HeadOutcome, ParsedRequest, parseRequestHead } from './request-head.js';

/** What a connection needs from the fast path. */
export interface ConnectionContext {
  /** performance.now() as of the last sweep. */
  readonly now: number;
  readonly draining: boolean;
  readonly maxHeaderBytes: number;
  /** An exchange for the parsed request, started; undefined when the fast path does not take it. */
  begin(connection: ClientConnection, request: ParsedRequest, startMs: number): FastExchange | undefined;
  /** Gives the socket to node:http's connection handler. */
  handOff(socket: Socket): void;
  forget(connection: ClientConnection): void;
  /** A bug in the proxy's own code while handling this connection: logged, not thrown. */
  fault(err: unknown): void;
  /** The client half-closed in the middle of a request head: answered 400 as node:http does. */
  refuseIncomplete(connection: ClientConnection): void;
}

export interface ConnectionLimits {
  /** A connection that sends nothing at all is answered 408 after this (node:http's headers timeout). */
  readonly headersTimeoutMs: number;
  /** An incomplete head waits this long at most before node:http takes the connection over. */
  readonly partialHeadMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  refuseSilent(connection: ClientConnection): void;
}

const lastChunk = '0\r\n\r\n';

export class ClientConnection implements ExchangeClient {
  readonly socket: Socket;
  readonly address: string;
  readonly proto: 'http' | 'https';
  exchange: FastExchange | null = null;
  closeAfter = false;
  ended = false;
  /** Requests answered on the fast path. */
  served = 0;
  /** Coarse time since the connection has been waiting for a request (or the rest of its head). */
  waitingSince: number;

  private readonly context: ConnectionContext;
  private readonly request = new ParsedRequest();
  /** Bytes read and not yet handled: a partial head, or what goes to node:http. */
  private pending: Buffer | null = null;
  /** Reads that left the head incomplete; a head spread over more than two goes to node:http. */
  private partialReads = 0;
  private paused = false;
  private processing = false;
  private closing = false;
  /** Closed, or handed to node:http: no longer this module's. */
  private detached = false;
  private lastHostHeader = '';
  private lastHost: string | undefined = '';

  constructor(context: ConnectionContext, socket: Socket) {
    this.context = context;
    this.socket = socket;
    this.address = socket.remoteAddress ?? 'unknown';
    this.proto = (socket as Socket & { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    this.waitingSince = context.now;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('drain', this.onDrain);
  }

  /** `convert(hostHeader)`, cached since a connection rarely changes its Host header. */
  hostOf(hostHeader: string, convert: (header: string) => string | undefined): string | undefined {
    if (hostHeader !== this.lastHostHeader) {
      this.lastHostHeader = hostHeader;
      this.lastHost = convert(hostHeader);
    }
    return this.lastHost;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closing) return;
    if (this.exchange !== null) {
      // A pipelined request: it waits in the socket until the current answer is out.
      this.holdBack(chunk);
      return;
    }
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    try {
      this.process(buf);
    } catch (err) {
      // One broken connection must not take the worker (and every other request) down.
      this.context.fault(err);
      this.socket.destroy();
    }
  };

  private process(buf: Buffer): void {
    const request = this.request;
    const context = this.context;
    let offset = 0;
    while (offset < buf.length) {
      const outcome = parseRequestHead(buf, offset, context.maxHeaderBytes, request);
      if (outcome === HeadOutcome.Partial) {
        this.pending = offset === 0 ? buf : buf.subarray(offset);
        if (++this.partialReads >= 2) this.handOff();
        else this.waitingSince = context.now;
        return;
      }
      if (outcome === HeadOutcome.Slow) {
        this.pending = offset === 0 ? buf : buf.subarray(offset);
        this.handOff();
        return;
      }
      this.partialReads = 0;
      if (context.draining) {
        this.pending = offset === 0 ? buf : buf.subarray(offset);
        this.handOff();
        return;
      }
      const next = request.end;
      this.closeAfter = request.close;
      this.processing = true;
      const exchange = context.begin(this, request, performance.now());
      this.processing = false;
      if (exchange === undefined) {
        this.pending = offset === 0 ? buf : buf.subarray(offset);
        this.handOff();
        return;
      }
      if (this.detached || this.closing) return;
      offset = next;
      if (this.exchange !== null) {
        if (offset < buf.length) this.holdBack(buf.subarray(offset));
        return;
      }
      // Answered already (it failed at once): go on with the next request, unless this one closes.
      if (exchange.closeAfter || this.closeAfter) {
        this.close();
        return;
      }
    }
  }

  /** Called by the sweeper: the current exchange's timeouts, and the connection's own. */
  sweep(now: number, limits: ConnectionLimits): void {
    const exchange = this.exchange;
    if (exchange !== null) {
      exchange.check(now);
      return;
    }
    if (this.detached || this.closing) return;
    const waited = now - this.waitingSince;
    if (this.pending !== null) {
      // A head that takes this long is none of the fast path's business: node:http times it out.
      if (waited > limits.partialHeadMs) this.handOff();
    } else if (this.served === 0) {
      if (waited > limits.headersTimeoutMs) limits.refuseSilent(this);
    } else if (waited > limits.keepAliveTimeoutMs) {
      this.socket.destroy();
    }
  }

  /** The exchange ended (answered, failed, or the client left). */
  exchangeDone(exchange: FastExchange): void {
    if (this.exchange === exchange) this.exchange = null;
    this.served++;
    this.waitingSince = this.context.now;
    if (this.detached || this.closing) return;
    if (exchange.closeAfter || this.closeAfter || this.context.draining) {
      this.close();
      return;
    }
    if (this.processing) return;
    // Held-back requests are still in the socket, so it reports the client's end only after them.
    if (this.ended) this.close();
    else if (this.paused) this.resume();
  }

  /** Starts tracking `exchange` as the connection's current one (called by `begin` before it sends). */
  track(exchange: FastExchange): void {
    this.exchange = exchange;
  }

  writeHead(head: string, buf: Buffer, start: number, end: number, chunked: boolean): boolean {
    const socket = this.socket;
    const length = end - start;
    if (length === 0) return socket.write(head, 'latin1');
    if (chunked) return this.writeChunk(head, buf, start, end);
    // One copy of head and body: the body bytes are in the upstream read buffer, which the next read reuses.
    const out = Buffer.allocUnsafe(head.length + length);
    out.write(head, 0, 'latin1');
    buf.copy(out, head.length, start, end);
    return socket.write(out);
  }

  writeBody(buf: Buffer, start: number, end: number, chunked: boolean): boolean {
    if (chunked) return this.writeChunk('', buf, start, end);
    return this.socket.write(Buffer.from(buf.subarray(start, end)));
  }

  private writeChunk(prefix: string, buf: Buffer, start: number, end: number): boolean {
    const size = `${prefix}${(end - start).toString(16)}\r\n`;
    const out = Buffer.allocUnsafe(size.length + (end - start) + 2);
    out.write(size, 0, 'latin1');
    buf.copy(out, size.length, start, end);
    out.write('\r\n', out.length - 2, 'latin1');
    return this.socket.write(out);
  }

  writeLastChunk(): void {
    this.socket.write(lastChunk, 'latin1');
  }

  writeText(text: string): void {
    this.socket.write(text);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Sends the 408 the node:http path would send, and closes. */
  refuse(text: string): void {
    this.closing = true;
    this.socket.end(text);
    this.socket.destroySoon();
  }

  /** Closes the connection when it is between requests (nothing in progress, no part of a head read). */
  closeIfIdle(): void {
    if (this.exchange === null && this.pending === null && !this.detached && !this.closing) this.socket.destroy();
  }

  private close(): void {
    this.closing = true;
    this.socket.destroySoon();
  }

  /**
   * Puts bytes that arrived during an exchange back into the paused socket: they come again as
   * data once the answer is out. Kept there and not here, the socket reports the client's
   * half-close ('end') only after every one of them has been read.
   */
  private holdBack(bytes: Buffer): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.socket.unshift(bytes);
  }

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  /** Node's server takes the connection over from here, starting with the unhandled bytes. */
  handOff(): void {
    if (this.detached) return;
    const socket = this.socket;
    const rest = this.pending;
    this.pending = null;
    this.detach();
    if (this.ended) {
      // The client already half-closed: its last request can never be complete.
      socket.destroy();
      return;
    }
    socket.pause();
    if (rest !== null && rest.length > 0) socket.unshift(rest);
    this.context.handOff(socket);
    socket.resume();
  }

  private detach(): void {
    this.detached = true;
    const socket = this.socket;
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('close', this.onClose);
    socket.removeListener('error', this.onError);
    socket.removeListener('drain', this.onDrain);
    this.context.forget(this);
  }

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.exchange !== null || this.closing) return;
    if (this.pending !== null) {
      // Half a request head, and no more will come.
      this.context.refuseIncomplete(this);
      return;
    }
    this.close();
  };

  private readonly onClose = (): void => {
    const exchange = this.exchange;
    this.detached = true;
    this.context.forget(this);
    exchange?.clientClosed();
  };

  private readonly onError = (): void => {
    // 'close' follows and cleans up.
  };

  private readonly onDrain = (): void => {
    this.exchange?.clientDrained();
  };
}
