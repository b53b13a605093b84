/** The router's own answers (no route, no instance, upstream failure): small JSON bodies with a Skiff code. */
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../core/errors.js';

/** node:http2's compatibility response (it has the stream it answers on). */
export function isHttp2(res: ServerResponse): boolean {
  return (res as ServerResponse & { stream?: unknown }).stream !== undefined;
}

export function sendRouterError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  closeConnection: boolean,
  retryAfterSeconds?: number,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code, message });
  const headers = [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
  ];
  // Only "no ready instance" and limits are worth retrying soon: a rollout or restart will bring one back.
  if (retryAfterSeconds !== undefined) headers.push('retry-after', String(retryAfterSeconds));
  else if (code === 'SKIFF_NO_READY_INSTANCE') headers.push('retry-after', '1');
  // HTTP/2 has no Connection header (a draining router sends GOAWAY instead).
  if (closeConnection && !isHttp2(res)) headers.push('connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}
