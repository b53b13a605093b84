/**
 * Header rewriting between client and upstream, done in one pass over the raw header list:
 * hop-by-hop headers are dropped, x-forwarded-* and x-request-id are set.
 */
import { randomBytes } from 'node:crypto';

const RequestAction = {
  Drop: 0,
  Host: 1,
  ContentLength: 2,
  TransferEncoding: 3,
  Connection: 4,
  RequestId: 5,
  ForwardedFor: 6,
  TraceParent: 7,
  TraceState: 8,
} as const;
type RequestAction = (typeof RequestAction)[keyof typeof RequestAction];

const requestActions = new Map<string, RequestAction>([
  ['host', RequestAction.Host],
  ['content-length', RequestAction.ContentLength],
  ['transfer-encoding', RequestAction.TransferEncoding],
  ['connection', RequestAction.Connection],
  ['x-request-id', RequestAction.RequestId],
  ['x-forwarded-for', RequestAction.ForwardedFor],
  ['traceparent', RequestAction.TraceParent],
  ['tracestate', RequestAction.TraceState],
  ['x-forwarded-proto', RequestAction.Drop],
  ['x-forwarded-host', RequestAction.Drop],
  ['keep-alive', RequestAction.Drop],
  ['te', RequestAction.Drop],
  ['trailer', RequestAction.Drop],
  ['upgrade', RequestAction.Drop],
  // Node's server has already answered `100-continue`; undici refuses to send the header.
  ['expect', RequestAction.Drop],
]);

const responseHopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function isProxyHeader(lower: string): boolean {
  return lower.length > 6 && lower.startsWith('proxy-');
}

/** What the proxy needs to know about the client's request head, filled in by `rewriteRequestHeaders`. */
export interface RequestHead {
  /** Header list for undici, `[name, value, name, value, …]`. */
  headers: string[];
  /** The Host header as sent (with port), or undefined. */
  hostHeader: string | undefined;
  /** -1 when absent. */
  contentLength: number;
  /** How many Host headers the client sent (more than one is refused). */
  hostHeaders: number;
  /** A transfer-encoding was sent: a body of unknown length follows. */
  chunked: boolean;
  /** The Transfer-Encoding values joined with `, `; undefined when absent. */
  transferEncoding: string | undefined;
  requestId: string;
  /** With tracing on, the client's trace headers, taken out of `headers` (more than one traceparent: none). */
  traceparent: string | undefined;
  tracestate: string | undefined;
}

/** Cheap unique ids: a random per-process prefix and a counter. */
export class RequestIds {
  private readonly prefix = `${randomBytes(6).toString('hex')}-`;
  private counter = 0;

  next(): string {
    this.counter++;
    return this.prefix + this.counter.toString(36);
  }
}

/** The client's connection as far as the headers tell of it (a TLS socket is `encrypted`). */
export interface ClientSide {
  readonly remoteAddress?: string | undefined;
  readonly encrypted?: boolean;
}

/**
 * HTTP/2 requests (node:http2's compatibility API) carry their pseudo-headers in the raw list:
 * `:authority` stands for Host (a Host header naming the same authority is then not a second
 * one), the others are dropped.
 */
export function rewriteRequestHeaders(
  raw: readonly string[],
  client: ClientSide,
  ids: RequestIds,
  head: RequestHead,
  takeTraceHeaders = false,
): void {
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let requestId: string | undefined;
  let connection: string | undefined;
  head.hostHeader = undefined;
  head.hostHeaders = 0;
  head.contentLength = -1;
  head.chunked = false;
  head.transferEncoding = undefined;
  head.traceparent = undefined;
  head.tracestate = undefined;
  let traceparents = 0;
  let authority: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    const action = requestActions.get(lower);
    if (action === undefined) {
      // 58 is ':'.
      if (name.charCodeAt(0) === 58) {
        if (name === ':authority' && authority === undefined) {
          authority = value;
          if (++head.hostHeaders === 1) head.hostHeader = value;
          out.push('host', value);
        }
      } else if (!isProxyHeader(lower)) out.push(name, value);
      continue;
    }
    switch (action) {
      case RequestAction.Drop:
        break;
      case RequestAction.Host:
        if (authority !== undefined && value === authority) break;
        if (++head.hostHeaders === 1) head.hostHeader = value;
        out.push(name, value);
        break;
      case RequestAction.ContentLength:
        head.contentLength = Number(value);
        out.push(name, value);
        break;
      case RequestAction.TransferEncoding:
        head.chunked = true;
        head.transferEncoding = head.transferEncoding === undefined ? value : `${head.transferEncoding}, ${value}`;
        break;
      case RequestAction.Connection:
        connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case RequestAction.RequestId:
        if (requestId === undefined) requestId = value;
        break;
      case RequestAction.ForwardedFor:
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        break;
      case RequestAction.TraceParent:
        if (!takeTraceHeaders) out.push(name, value);
        else if (++traceparents === 1) head.traceparent = value;
        break;
      case RequestAction.TraceState:
        if (!takeTraceHeaders) out.push(name, value);
        else head.tracestate = head.tracestate === undefined ? value : `${head.tracestate},${value}`;
        break;
    }
  }
  if (traceparents > 1) head.traceparent = undefined;
  if (connection !== undefined) dropConnectionTokens(out, connection);
  const address = client.remoteAddress ?? 'unknown';
  out.push('x-forwarded-for', forwardedFor === undefined ? address : `${forwardedFor}, ${address}`);
  out.push('x-forwarded-proto', client.encrypted === true ? 'https' : 'http');
  if (head.hostHeader !== undefined) out.push('x-forwarded-host', head.hostHeader);
  head.requestId = requestId ?? ids.next();
  out.push('x-request-id', head.requestId);
  head.headers = out;
}

/**
 * An absolute-form request (`GET http://authority/path`) goes upstream in origin-form with Host
 * set to the target's authority (RFC 9112 §3.2.2), and so does x-forwarded-host.
 */
export function useAuthority(headers: string[], authority: string): void {
  let host = false;
  let forwarded = false;
  for (let i = 0; i < headers.length; i += 2) {
    const lower = (headers[i] as string).toLowerCase();
    if (lower === 'host') host = true;
    else if (lower === 'x-forwarded-host') forwarded = true;
    else continue;
    headers[i + 1] = authority;
  }
  if (!host) headers.push('host', authority);
  if (!forwarded) headers.push('x-forwarded-host', authority);
}

/** Headers the client named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function dropConnectionTokens(headers: string[], connection: string): void {
  if (connection.length <= 10) {
    const lower = connection.toLowerCase();
    if (lower === 'keep-alive' || lower === 'close') return;
  }
  const named = new Set<string>();
  for (const token of connection.split(',')) {
    const lower = token.trim().toLowerCase();
    if (lower !== '' && lower !== 'close' && lower !== 'keep-alive') named.add(lower);
  }
  if (named.size === 0) return;
  let write = 0;
  for (let read = 0; read < headers.length; read += 2) {
    const name = headers[read] as string;
    if (named.has(name.toLowerCase())) continue;
    headers[write++] = name;
    headers[write++] = headers[read + 1] as string;
  }
  headers.length = write;
}

/**
 * The upstream answer's headers for the client, as a flat list for `res.writeHead`. The declared
 * Content-Length goes to `length.responseLength` (-1 when absent), so the proxy can end the
 * answer with its last chunk.
 */
export function rewriteResponseHeaders(
  raw: readonly Buffer[],
  instanceId: string,
  closeConnection: boolean,
  length?: { responseLength: number },
): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  if (length !== undefined) length.responseLength = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    if (length !== undefined && lower.length === 14 && lower === 'content-length') {
      const value = (raw[i + 1] as Buffer).toString('latin1');
      length.responseLength = Number(value);
      out.push(name, value);
      continue;
    }
    if (responseHopByHop.has(lower) || isProxyHeader(lower)) {
      if (lower === 'connection') connection = (raw[i + 1] as Buffer).toString('latin1');
      continue;
    }
    out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
  }
  if (connection !== undefined) dropConnectionTokens(out, connection);
  out.push('x-skiff-instance', instanceId);
  if (closeConnection) out.push('connection', 'close');
  return out;
}

/** Headers RFC 9113 §8.2.2 forbids in an HTTP/2 request (`te` is allowed as `trailers` only). */
const http2Forbidden = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Why an HTTP/2 request is malformed (a connection-specific header, conflicting Content-Length
 * values), or undefined. Relayed over HTTP/1.1 such a request could be read upstream as two.
 */
export function http2Malformation(raw: readonly string[]): string | undefined {
  let contentLength: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    if (http2Forbidden.has(lower)) return `the connection-specific header ${lower}`;
    if (lower === 'te' && value.trim().toLowerCase() !== 'trailers') return 'a te header other than trailers';
    if (lower === 'content-length') {
      if (contentLength !== undefined && contentLength !== value) return 'conflicting content-length values';
      contentLength = value;
    }
  }
  return undefined;
}
