/** Turns every failure into the one error shape `{ code, message, hint?, path?, details? }`. */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { diskFullError } from '../core/disk-full.js';
import { errorCatalog, isSkiffError } from '../core/errors.js';
import { noteErrorCode } from './audit-log.js';
import { httpStatusFor } from './http-status.js';
import type { ErrorBody } from './schemas.js';

/** `dataDir` names the place in a SKIFF_DISK_FULL answer when the failed write does not (SQLite's do not). */
export function installErrorHandling(app: FastifyInstance, options: { readonly dataDir?: string } = {}): void {
  const where = options.dataDir ?? 'the data directory';
  app.setErrorHandler((error: unknown, request, reply) => {
    const { status, body } = toErrorResponse(diskFullError(error, where) ?? error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    noteErrorCode(request, body.code);
    // RFC 6750: a 401 names the scheme the client should use.
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="skiff"');
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { code: 'SKIFF_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` };
    return reply.code(404).send(body);
  });
}

/**
 * Errors fastify meets before any route is chosen (a malformed percent escape in the path), which
 * it would otherwise answer itself, in its own shape and codes.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    const body: ErrorBody = {
      code: 'SKIFF_BAD_REQUEST',
      message: `${request.url.split('?')[0]} is not a valid URL: a % must start an escape of UTF-8 bytes (%2F)`,
      hint: 'percent-encode path parameters (encodeURIComponent)',
    };
    void reply.code(400).type('application/json').send(body);
    return;
  }
  const { status, body } = toErrorResponse(error);
  void reply.code(status).type('application/json').send(body);
}

/**
 * Requests Node's HTTP parser refuses before fastify sees them (a request line or headers over
 * the size limit, a malformed request, a client too slow to send one), answered in the one error
 * shape instead of fastify's own; the connection closes after the answer, as Node's would.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body]: [number, ErrorBody] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, { code: 'SKIFF_BAD_REQUEST', message: `the request line and headers are larger than ${http.maxHeaderSize / 1024} KiB`, hint: 'send long values in a JSON body, not in the URL or a header' }]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, { code: 'SKIFF_BAD_REQUEST', message: 'the request did not arrive in time' }]
        : [400, { code: 'SKIFF_BAD_REQUEST', message: 'the request is not valid HTTP/1.1' }];
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${text}`);
  }
  socket.destroy(error);
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (isSkiffError(error)) return { status: httpStatusFor(error.code), body: error.toJSON() };
  // Fastify's own client errors: malformed JSON, unsupported content type, body too large.
  const statusCode = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = (error as Error).message;
    return { status: statusCode, body: { code: statusCode === 404 ? 'SKIFF_NOT_FOUND' : 'SKIFF_BAD_REQUEST', message } };
  }
  return { status: 500, body: { code: 'SKIFF_INTERNAL', message: errorCatalog.SKIFF_INTERNAL, hint: 'the server log has the details' } };
}
