/**
 * The router's own answers on the fast path, as raw bytes: the same JSON body and headers that
 * error-response.ts sends through node:http.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../../core/errors.js';

export function routerErrorAnswer(status: number, code: ErrorCode, message: string, closeConnection: boolean): string {
  const body = JSON.stringify({ code, message });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'cache-control: no-store\r\n' +
    // As node:http's path answers it (error-response.ts): the client may try again in a second.
    (code === 'SKIFF_NO_READY_INSTANCE' ? 'retry-after: 1\r\n' : '') +
    (closeConnection ? 'connection: close\r\n' : '') +
    `\r\n${body}`
  );
}

/** The router's answer to a connection it will not serve further (a parser refusal, CONNECT): JSON, then close. */
export function refusalAnswer(status: number, code: ErrorCode, message: string): string {
  const body = JSON.stringify({ code, message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** What data-server.ts answers when node:http's parser times a connection out, for the same case on the fast path. */
export function requestTimeoutAnswer(): string {
  return refusalAnswer(408, 'SKIFF_BAD_REQUEST', 'Request Timeout (ERR_HTTP_REQUEST_TIMEOUT)');
}

/** What data-server.ts answers when the client half-closes in the middle of a request head. */
export function incompleteHeadAnswer(): string {
  return refusalAnswer(400, 'SKIFF_BAD_REQUEST', 'Bad Request (HPE_INVALID_EOF_STATE)');
}
