/**
 * A minimal, strict parser of a client's HTTP/1.1 request head for the fast path. It accepts
 * only heads that are plainly safe to forward as they are: a known method, an origin-form target
 * of visible ASCII, `HTTP/1.1`, CRLF line ends, token header names, values without control bytes,
 * exactly one Host, no body (no Transfer-Encoding, Content-Length absent or 0), no Upgrade or
 * Expect, `Connection` only `keep-alive` or `close`. Anything else, including what the fast path
 * merely does not handle, is `Slow`: the connection then goes to node:http, which answers or
 * refuses exactly as it did before the fast path existed.
 */
import { SP, lowerBytes, targetByte, tokenByte, tokenEquals, valueEquals, LineScan, scanHeaderLine, type HeaderLine } from './http-bytes.js';

export const HeadOutcome = { Complete: 0, Partial: 1, Slow: 2 } as const;
export type HeadOutcome = (typeof HeadOutcome)[keyof typeof HeadOutcome];

/** Most headers a fast-path request may have; more is unusual enough for node:http. */
const maxHeaderLines = 100;

/** Filled in by `parseRequestHead`; one per client connection, reused for each request. */
export class ParsedRequest {
  method = '';
  isHead = false;
  /** The request target (path and query); the fast path removes its dot segments before matching. */
  url = '';
  /** The Host header's value, with port. */
  host = '';
  /** Offset just past the blank line that ends the head. */
  end = 0;
  /** The header lines forwarded unchanged, each with its CRLF. */
  kept = '';
  /** The client's X-Forwarded-For values joined, if it sent any. */
  forwardedFor: string | undefined = undefined;
  /** The client's first X-Request-Id. */
  requestId: string | undefined = undefined;
  /** The client asked for the connection to close after this answer. */
  close = false;
  /** The client's traceparent, taken out of `kept`: the exchange sends it on or replaces it. */
  traceparent: string | undefined = undefined;
  /** The client's tracestate headers joined with `,`, taken out of `kept` like traceparent. */
  tracestate: string | undefined = undefined;
}

const Action = {
  Keep: 0,
  Drop: 1,
  Slow: 2,
  Host: 3,
  ContentLength: 4,
  Connection: 5,
  RequestId: 6,
  ForwardedFor: 7,
  TraceParent: 8,
  TraceState: 9,
} as const;
type Action = (typeof Action)[keyof typeof Action];

const names = {
  te: lowerBytes('te'),
  host: lowerBytes('host'),
  expect: lowerBytes('expect'),
  upgrade: lowerBytes('upgrade'),
  trailer: lowerBytes('trailer'),
  connection: lowerBytes('connection'),
  keepAlive: lowerBytes('keep-alive'),
  requestId: lowerBytes('x-request-id'),
  contentLength: lowerBytes('content-length'),
  forwardedFor: lowerBytes('x-forwarded-for'),
  forwardedHost: lowerBytes('x-forwarded-host'),
  transferEncoding: lowerBytes('transfer-encoding'),
  forwardedProto: lowerBytes('x-forwarded-proto'),
  proxy: lowerBytes('proxy-'),
  traceparent: lowerBytes('traceparent'),
  tracestate: lowerBytes('tracestate'),
};
const closeWord = lowerBytes('close');
const keepAliveWord = lowerBytes('keep-alive');
const http11 = Buffer.from(' HTTP/1.1\r\n', 'latin1');

/** What the proxy does with a request header, by name (the same rules as forward-headers.ts). */
function actionOf(buf: Buffer, start: number, length: number): Action {
  switch (length) {
    case 2:
      return tokenEquals(buf, start, names.te) ? Action.Drop : Action.Keep;
    case 4:
      return tokenEquals(buf, start, names.host) ? Action.Host : Action.Keep;
    case 6:
      return tokenEquals(buf, start, names.expect) ? Action.Slow : Action.Keep;
    case 7:
      if (tokenEquals(buf, start, names.upgrade)) return Action.Slow;
      if (tokenEquals(buf, start, names.trailer)) return Action.Drop;
      break;
    case 10:
      if (tokenEquals(buf, start, names.connection)) return Action.Connection;
      if (tokenEquals(buf, start, names.keepAlive)) return Action.Drop;
      if (tokenEquals(buf, start, names.tracestate)) return Action.TraceState;
      break;
    case 11:
      return tokenEquals(buf, start, names.traceparent) ? Action.TraceParent : Action.Keep;
    case 12:
      return tokenEquals(buf, start, names.requestId) ? Action.RequestId : Action.Keep;
    case 14:
      return tokenEquals(buf, start, names.contentLength) ? Action.ContentLength : Action.Keep;
    case 15:
      return tokenEquals(buf, start, names.forwardedFor) ? Action.ForwardedFor : Action.Keep;
    case 16:
      if (tokenEquals(buf, start, names.forwardedHost)) return Action.Drop;
      break;
    case 17:
      if (tokenEquals(buf, start, names.transferEncoding)) return Action.Slow;
      if (tokenEquals(buf, start, names.forwardedProto)) return Action.Drop;
      break;
  }
  return length > 6 && tokenEquals(buf, start, names.proxy) ? Action.Drop : Action.Keep;
}

function methodAt(buf: Buffer, start: number, length: number): string | undefined {
  const c = buf[start];
  switch (length) {
    case 3:
      if (c === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return 'GET';
      if (c === 0x50 && buf[start + 1] === 0x55 && buf[start + 2] === 0x54) return 'PUT';
      return undefined;
    case 4:
      if (buf[start + 1] === 0x45 && c === 0x48 && buf[start + 2] === 0x41 && buf[start + 3] === 0x44) return 'HEAD';
      if (buf[start + 1] === 0x4f && c === 0x50 && buf[start + 2] === 0x53 && buf[start + 3] === 0x54) return 'POST';
      return undefined;
    case 5:
      return buf.toString('latin1', start, start + 5) === 'PATCH' ? 'PATCH' : undefined;
    case 6:
      return buf.toString('latin1', start, start + 6) === 'DELETE' ? 'DELETE' : undefined;
    case 7:
      return buf.toString('latin1', start, start + 7) === 'OPTIONS' ? 'OPTIONS' : undefined;
    default:
      return undefined;
  }
}

/** The line being scanned: parsing is synchronous, so one object serves every call. */
const line: HeaderLine = { nameLength: 0, valueStart: 0, valueEnd: 0, next: 0 };

/**
 * Parses the request head starting at `buf[start]`. `Partial`: the head may still be completed
 * by more bytes. `Slow`: the request (or a head past `maxBytes`) is for node:http. `Complete`:
 * `out` describes the request and `out.end` is where the next request starts.
 */
export function parseRequestHead(buf: Buffer, start: number, maxBytes: number, out: ParsedRequest): HeadOutcome {
  const length = buf.length;
  const limit = Math.min(length, start + maxBytes);
  const incomplete = length - start >= maxBytes ? HeadOutcome.Slow : HeadOutcome.Partial;
  let i = start;

  while (i < limit && tokenByte[buf[i] as number] === 1) i++;
  if (i >= limit) return incomplete;
  if (buf[i] !== SP) return HeadOutcome.Slow;
  const method = methodAt(buf, start, i - start);
  if (method === undefined) return HeadOutcome.Slow;
  i++;
  const targetStart = i;
  if (i >= limit) return incomplete;
  if (buf[i] !== 0x2f /* / */) return HeadOutcome.Slow;
  while (i < limit && targetByte[buf[i] as number] === 1) i++;
  if (i >= limit) return incomplete;
  const targetEnd = i;
  for (let k = 0; k < http11.length; k++, i++) {
    if (i >= limit) return incomplete;
    if (buf[i] !== http11[k]) return HeadOutcome.Slow;
  }

  let kept = '';
  let keptStart = -1;
  let keptEnd = -1;
  let host: string | undefined;
  let contentLength = false;
  let close = false;
  let forwardedFor: string | undefined;
  let requestId: string | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  let lines = 0;
  for (;;) {
    const scan = scanHeaderLine(buf, i, limit, line);
    if (scan === LineScan.Incomplete) return incomplete;
    if (scan === LineScan.Bad) return HeadOutcome.Slow;
    if (scan === LineScan.End) {
      i = line.next;
      break;
    }
    const lineStart = i;
    const { nameLength, valueStart, valueEnd } = line;
    i = line.next;
    if (++lines > maxHeaderLines) return HeadOutcome.Slow;

    const action = actionOf(buf, lineStart, nameLength);
    if (action === Action.Keep || action === Action.Host || action === Action.ContentLength) {
      if (action === Action.Host) {
        if (host !== undefined) return HeadOutcome.Slow;
        host = buf.toString('latin1', valueStart, valueEnd);
      } else if (action === Action.ContentLength) {
        if (contentLength || valueEnd - valueStart !== 1 || buf[valueStart] !== 0x30 /* 0 */) return HeadOutcome.Slow;
        contentLength = true;
      }
      if (keptEnd === lineStart) {
        keptEnd = i;
      } else {
        if (keptStart !== -1) kept += buf.toString('latin1', keptStart, keptEnd);
        keptStart = lineStart;
        keptEnd = i;
      }
      continue;
    }
    switch (action) {
      case Action.Slow:
        return HeadOutcome.Slow;
      case Action.Connection:
        if (valueEquals(buf, valueStart, valueEnd, closeWord)) close = true;
        else if (!valueEquals(buf, valueStart, valueEnd, keepAliveWord)) return HeadOutcome.Slow;
        break;
      case Action.RequestId:
        requestId ??= buf.toString('latin1', valueStart, valueEnd);
        break;
      case Action.ForwardedFor: {
        const value = buf.toString('latin1', valueStart, valueEnd);
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        break;
      }
      case Action.TraceParent:
        // Two traceparents make the trace context invalid: node:http's path decides what follows.
        if (traceparent !== undefined) return HeadOutcome.Slow;
        traceparent = buf.toString('latin1', valueStart, valueEnd);
        break;
      case Action.TraceState: {
        const value = buf.toString('latin1', valueStart, valueEnd);
        tracestate = tracestate === undefined ? value : `${tracestate},${value}`;
        break;
      }
      default:
        break;
    }
  }
  if (host === undefined) return HeadOutcome.Slow;
  if (keptStart !== -1) kept += buf.toString('latin1', keptStart, keptEnd);

  out.method = method;
  out.isHead = method === 'HEAD';
  out.url = buf.toString('latin1', targetStart, targetEnd);
  out.host = host;
  out.end = i;
  out.kept = kept;
  out.forwardedFor = forwardedFor;
  out.requestId = requestId;
  out.close = close;
  out.traceparent = traceparent;
  out.tracestate = tracestate;
  return HeadOutcome.Complete;
}
