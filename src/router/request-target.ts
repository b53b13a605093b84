/**
 * What a request head says about where it goes, checked and normalised the same way on the
 * fast path and the node:http path: the Host header (RFC 9110 §7.2), the request target's form
 * (RFC 9112 §3.2) with its dot segments removed (RFC 3986 §5.2.4), and the Transfer-Encoding the
 * router can pass on. Pure; the common case (an origin-form path without dot segments and a
 * plain host) allocates nothing.
 */
import type { ErrorCode } from '../core/errors.js';

/** Why a request is answered 400 instead of routed. */
export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/** RFC 3986 reg-name bytes: unreserved, sub-delims and `%` (of pct-encoded); IPv6 literal bytes are checked apart. */
const regNameByte = new Uint8Array(128);
for (const ch of "-._~!$&'()*+,;=%") regNameByte[ch.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) regNameByte[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) regNameByte[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) regNameByte[c] = 1;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isDigits(text: string, start: number): boolean {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The host to match routes with: `uri-host [":" port]` lower-cased without its port, `[::1]:8080`
 * giving `[::1]`; undefined when `header` is not a valid Host value (a space, a control byte,
 * `user@`, a bad port or percent escape). An empty Host is valid (RFC 9112 §3.2) and gives ''.
 */
export function hostKey(header: string): string | undefined {
  const length = header.length;
  let end = length;
  if (header.charCodeAt(0) === 0x5b /* [ */) {
    const close = header.indexOf(']');
    if (close < 2) return undefined;
    for (let i = 1; i < close; i++) {
      const c = header.charCodeAt(i);
      if (!isHex(c) && c !== 0x3a /* : */ && c !== 0x2e /* . */) return undefined;
    }
    end = close + 1;
    if (end < length && header.charCodeAt(end) !== 0x3a) return undefined;
  } else {
    for (let i = 0; i < length; i++) {
      const c = header.charCodeAt(i);
      if (c === 0x3a /* : */) {
        end = i;
        break;
      }
      if (c >= 128 || regNameByte[c] !== 1) return undefined;
      if (c === 0x25 /* % */ && !(isHex(header.charCodeAt(i + 1)) && isHex(header.charCodeAt(i + 2)))) return undefined;
    }
  }
  if (end < length && !isDigits(header, end + 1)) return undefined;
  const host = end === length ? header : header.slice(0, end);
  return host.toLowerCase();
}

/** A path segment `header[start, end)` that is `.` or `..`, also written `%2e`: 1 or 2 dots, else 0. */
function dotSegment(path: string, start: number, end: number): number {
  let dots = 0;
  let i = start;
  while (i < end) {
    const c = path.charCodeAt(i);
    if (c === 0x2e /* . */) {
      i++;
    } else if (c === 0x25 /* % */ && path.charCodeAt(i + 1) === 0x32 /* 2 */ && (path.charCodeAt(i + 2) | 0x20) === 0x65 /* e */ && i + 3 <= end) {
      i += 3;
    } else {
      return 0;
    }
    if (++dots > 2) return 0;
  }
  return dots;
}

/** Where the path of `url` (before `?`) ends. */
function pathEnd(url: string): number {
  const query = url.indexOf('?');
  return query === -1 ? url.length : query;
}

/** Whether the path of an origin-form `url` has a `.` or `..` segment (the only case that allocates). */
function hasDotSegment(url: string, end: number): boolean {
  for (let i = url.indexOf('/'); i !== -1 && i < end; i = url.indexOf('/', i + 1)) {
    const next = url.charCodeAt(i + 1);
    if (next !== 0x2e && next !== 0x25) continue;
    let segmentEnd = url.indexOf('/', i + 1);
    if (segmentEnd === -1 || segmentEnd > end) segmentEnd = end;
    if (dotSegment(url, i + 1, segmentEnd) !== 0) return true;
  }
  return false;
}

/**
 * `url` (an origin-form target: `/path?query`) with the path's `.` and `..` segments removed as
 * RFC 3986 §5.2.4 does, `%2e` counting as a dot; `..` at the root stays at the root. The query is
 * untouched. Returns `url` itself when there is nothing to remove.
 */
export function removeDotSegments(url: string): string {
  const end = pathEnd(url);
  if (!hasDotSegment(url, end)) return url;
  const out: string[] = [];
  let start = 1;
  for (;;) {
    let segmentEnd = url.indexOf('/', start);
    if (segmentEnd === -1 || segmentEnd > end) segmentEnd = end;
    const last = segmentEnd === end;
    const dots = dotSegment(url, start, segmentEnd);
    if (dots === 2) out.pop();
    if (dots === 0) out.push(url.slice(start, segmentEnd));
    // A dot segment at the end leaves the path ending in `/` (`/a/b/..` is `/a/`).
    else if (last) out.push('');
    if (last) break;
    start = segmentEnd + 1;
  }
  return `/${out.join('/')}${url.slice(end)}`;
}

/** Only `chunked`, once, can be passed on: the router re-frames the body and drops every other coding. */
export function isChunkedOnly(transferEncoding: string): boolean {
  return transferEncoding.trim().toLowerCase() === 'chunked';
}

/** Where a request goes, filled in by `resolveTarget`. */
export interface ResolvedTarget {
  /** The host to match routes with (see `hostKey`); undefined without a Host header. */
  host: string | undefined;
  /** The target to match and forward: origin-form with dot segments removed (or `*`). */
  url: string;
  /** The authority of an absolute-form target: it replaces the Host header upstream. */
  authority: string | undefined;
}

/** The request head's parts `resolveTarget` looks at. */
export interface TargetHead {
  readonly method: string;
  readonly target: string;
  /** The Host header's value; undefined when absent. */
  readonly hostHeader: string | undefined;
  /** How many Host headers the request has. */
  readonly hostHeaders: number;
  /** The Transfer-Encoding values joined with `, `; undefined when absent. */
  readonly transferEncoding: string | undefined;
}

const absoluteForm = /^https?:\/\/([^/?#]*)(.*)$/i;

/**
 * Checks a request head and fills `out` with where it goes; returns the reason to answer 400
 * instead. An absolute-form target (`GET http://host/path`) is routed by its authority, which
 * wins over the Host header (RFC 9112 §3.2.2), and forwarded in origin-form.
 */
export function resolveTarget(head: TargetHead, out: ResolvedTarget): Refusal | undefined {
  if (head.transferEncoding !== undefined && !isChunkedOnly(head.transferEncoding)) {
    return {
      code: 'SKIFF_UNSUPPORTED_TRANSFER_ENCODING',
      message: `Transfer-Encoding "${head.transferEncoding}" is not supported: send the body with Content-Length or Transfer-Encoding: chunked`,
    };
  }
  if (head.hostHeaders > 1) return { code: 'SKIFF_INVALID_HOST', message: `the request has ${head.hostHeaders} Host headers; send exactly one` };
  const target = head.target;
  out.authority = undefined;
  if (target.charCodeAt(0) === 0x2f /* / */) {
    out.url = removeDotSegments(target);
  } else if (target === '*' && head.method === 'OPTIONS') {
    out.url = target;
  } else {
    const absolute = absoluteForm.exec(target);
    const authority = absolute?.[1];
    const rest = absolute?.[2] ?? '';
    if (authority === undefined || authority === '' || rest.includes('#') || hostKey(authority) === undefined) {
      return { code: 'SKIFF_INVALID_REQUEST_TARGET', message: `the request target "${target}" is not a path (/…) or an http(s) URL with a valid host` };
    }
    out.authority = authority;
    out.host = hostKey(authority);
    out.url = removeDotSegments(rest.charCodeAt(0) === 0x2f ? rest : `/${rest}`);
    return undefined;
  }
  if (head.hostHeader === undefined) {
    out.host = undefined;
    return undefined;
  }
  const host = hostKey(head.hostHeader);
  if (host === undefined) return { code: 'SKIFF_INVALID_HOST', message: `the Host header "${head.hostHeader}" is not a valid host[:port]` };
  out.host = host;
  return undefined;
}
