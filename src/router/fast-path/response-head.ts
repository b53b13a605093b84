/**
 * A minimal, strict parser of an instance's response head for the fast path: the status, how the
 * body is framed (Content-Length, chunked, or until the connection closes), whether the
 * connection can be reused, and the header lines to pass on without the hop-by-hop ones. Anything
 * it does not understand is `Bad`: the proxy answers 502 and closes that connection.
 */
import { CR, LF, SP, lowerBytes, tokenEquals, valueByte, valueEquals, LineScan, scanHeaderLine, type HeaderLine } from './http-bytes.js';

export const ResponseOutcome = { Complete: 0, Partial: 1, Bad: 2 } as const;
export type ResponseOutcome = (typeof ResponseOutcome)[keyof typeof ResponseOutcome];

/** Filled in by `parseResponseHead`; one per upstream connection, reused for each answer. */
export class ParsedResponse {
  status = 0;
  /** The status line after the version: code and reason, as sent. */
  statusText = '';
  /** Offset just past the blank line that ends the head. */
  end = 0;
  /** Header lines passed on to the client unchanged, each with its CRLF. */
  kept = '';
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** The connection cannot carry another request (Connection: close, or HTTP/1.0). */
  close = false;
  /** The instance's `Keep-Alive: timeout=N` in milliseconds, or -1. */
  keepAliveMs = -1;
}

const Action = { Keep: 0, Drop: 1, ContentLength: 2, TransferEncoding: 3, Connection: 4, KeepAlive: 5 } as const;
type Action = (typeof Action)[keyof typeof Action];

const names = {
  te: lowerBytes('te'),
  upgrade: lowerBytes('upgrade'),
  trailer: lowerBytes('trailer'),
  connection: lowerBytes('connection'),
  keepAlive: lowerBytes('keep-alive'),
  contentLength: lowerBytes('content-length'),
  transferEncoding: lowerBytes('transfer-encoding'),
  proxy: lowerBytes('proxy-'),
};
const chunkedWord = lowerBytes('chunked');
const timeoutWord = lowerBytes('timeout=');
const httpPrefix = Buffer.from('HTTP/1.', 'latin1');
/** Largest response head accepted (undici's default, Node's max header size). */
export const maxResponseHeadBytes = 16 * 1024;

function actionOf(buf: Buffer, start: number, length: number): Action {
  switch (length) {
    case 2:
      return tokenEquals(buf, start, names.te) ? Action.Drop : Action.Keep;
    case 7:
      return tokenEquals(buf, start, names.upgrade) || tokenEquals(buf, start, names.trailer) ? Action.Drop : Action.Keep;
    case 10:
      if (tokenEquals(buf, start, names.connection)) return Action.Connection;
      if (tokenEquals(buf, start, names.keepAlive)) return Action.KeepAlive;
      return Action.Keep;
    case 14:
      return tokenEquals(buf, start, names.contentLength) ? Action.ContentLength : Action.Keep;
    case 17:
      return tokenEquals(buf, start, names.transferEncoding) ? Action.TransferEncoding : Action.Keep;
  }
  return length > 6 && tokenEquals(buf, start, names.proxy) ? Action.Drop : Action.Keep;
}

/** `timeout=N` inside a Keep-Alive value, in ms; -1 when absent. */
function keepAliveTimeout(buf: Buffer, start: number, end: number): number {
  for (let i = start; i + timeoutWord.length <= end; i++) {
    if (!valueEquals(buf, i, i + timeoutWord.length, timeoutWord)) continue;
    let seconds = 0;
    let digits = 0;
    for (let k = i + timeoutWord.length; k < end && digits < 7; k++, digits++) {
      const c = buf[k] as number;
      if (c < 0x30 || c > 0x39) break;
      seconds = seconds * 10 + (c - 0x30);
    }
    return digits === 0 ? -1 : seconds * 1000;
  }
  return -1;
}

/** Scratch for header line positions: [lineStart, nameLength, lineEnd, action] per line. Not reentrant. */
const lines: number[] = [];

/** The line being scanned: parsing is synchronous, so one object serves every call. */
const line: HeaderLine = { nameLength: 0, valueStart: 0, valueEnd: 0, next: 0 };

/** Connection options other than close/keep-alive name more hop-by-hop headers (RFC 9110 §7.6.1). */
function connectionTokens(buf: Buffer, start: number, end: number, response: ParsedResponse, named: string[]): void {
  for (const token of buf.toString('latin1', start, end).split(',')) {
    const lower = token.trim().toLowerCase();
    if (lower === 'close') response.close = true;
    else if (lower !== '' && lower !== 'keep-alive') named.push(lower);
  }
}

export function parseResponseHead(buf: Buffer, start: number, out: ParsedResponse): ResponseOutcome {
  const length = buf.length;
  const limit = Math.min(length, start + maxResponseHeadBytes);
  const incomplete = length - start >= maxResponseHeadBytes ? ResponseOutcome.Bad : ResponseOutcome.Partial;
  let i = start;
  if (limit - i < 13) return incomplete;
  for (let k = 0; k < httpPrefix.length; k++) if (buf[i + k] !== httpPrefix[k]) return ResponseOutcome.Bad;
  const minor = buf[i + 7];
  if ((minor !== 0x31 && minor !== 0x30) || buf[i + 8] !== SP) return ResponseOutcome.Bad;
  i += 9;
  const textStart = i;
  let status = 0;
  for (let k = 0; k < 3; k++, i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) return ResponseOutcome.Bad;
    status = status * 10 + (c - 0x30);
  }
  if (status < 100 || status > 599) return ResponseOutcome.Bad;
  if (buf[i] === SP) {
    i++;
    while (i < limit && valueByte[buf[i] as number] === 1) i++;
  }
  if (i + 1 >= limit) return incomplete;
  if (buf[i] !== CR || buf[i + 1] !== LF) return ResponseOutcome.Bad;
  const textEnd = i;
  i += 2;

  lines.length = 0;
  let contentLength = -1;
  let chunked = false;
  let sawEncoding = false;
  let named: string[] | undefined;
  out.close = minor === 0x30;
  out.keepAliveMs = -1;
  for (;;) {
    const scan = scanHeaderLine(buf, i, limit, line);
    if (scan === LineScan.Incomplete) return incomplete;
    if (scan === LineScan.Bad) return ResponseOutcome.Bad;
    if (scan === LineScan.End) {
      i = line.next;
      break;
    }
    const lineStart = i;
    const { nameLength, valueStart, valueEnd } = line;
    i = line.next;

    const action = actionOf(buf, lineStart, nameLength);
    switch (action) {
      case Action.ContentLength: {
        // A second Content-Length, even an equal one, is refused like undici's parser does.
        if (contentLength !== -1 || valueEnd === valueStart || valueEnd - valueStart > 15) return ResponseOutcome.Bad;
        let value = 0;
        for (let k = valueStart; k < valueEnd; k++) {
          const c = buf[k] as number;
          if (c < 0x30 || c > 0x39) return ResponseOutcome.Bad;
          value = value * 10 + (c - 0x30);
        }
        contentLength = value;
        break;
      }
      case Action.TransferEncoding:
        // Only plain chunked is passed through as it is; other codings are not worth a fast path.
        if (sawEncoding || !valueEquals(buf, valueStart, valueEnd, chunkedWord)) return ResponseOutcome.Bad;
        sawEncoding = true;
        chunked = true;
        break;
      case Action.Connection:
        if (valueEquals(buf, valueStart, valueEnd, names.keepAlive)) break;
        connectionTokens(buf, valueStart, valueEnd, out, (named ??= []));
        break;
      case Action.KeepAlive:
        out.keepAliveMs = keepAliveTimeout(buf, valueStart, valueEnd);
        break;
      default:
        break;
    }
    lines.push(lineStart, nameLength, i, action);
  }
  if (chunked && contentLength !== -1) return ResponseOutcome.Bad;

  let kept = '';
  let keptStart = -1;
  let keptEnd = -1;
  for (let k = 0; k < lines.length; k += 4) {
    const action = lines[k + 3] as Action;
    // Chunked framing is passed through untouched, so its header stays.
    if (action !== Action.Keep && action !== Action.ContentLength && action !== Action.TransferEncoding) continue;
    const lineStart = lines[k] as number;
    const lineEnd = lines[k + 2] as number;
    if (named !== undefined && named.includes(buf.toString('latin1', lineStart, lineStart + (lines[k + 1] as number)).toLowerCase())) continue;
    if (keptEnd === lineStart) {
      keptEnd = lineEnd;
    } else {
      if (keptStart !== -1) kept += buf.toString('latin1', keptStart, keptEnd);
      keptStart = lineStart;
      keptEnd = lineEnd;
    }
  }
  if (keptStart !== -1) kept += buf.toString('latin1', keptStart, keptEnd);

  out.status = status;
  out.statusText = buf.toString('latin1', textStart, textEnd);
  out.end = i;
  out.kept = kept;
  out.contentLength = contentLength;
  out.chunked = chunked;
  return ResponseOutcome.Complete;
}
