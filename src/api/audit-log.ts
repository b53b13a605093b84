/**
 * Records every change asked of the API, and every refused request, in the audit log: who (the
 * token's name and role), what (method, route, params, summary), when, from where and the result.
 * Refusals are counted per client and minute: anyone can send them, so one row each is unbounded.
 * One hook for the whole app, so no route can forget it. The entry is written before the answer
 * goes out: a client never sees a change succeed that the audit log does not hold, and a change
 * made whose entry cannot be written is answered SKIFF_AUDIT_FAILED.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SkiffError } from '../core/errors.js';
import type { AuditPort } from './access-port.js';
import { knownCaller } from './access-control.js';
import { accessOf } from './route-access.js';

const errorCodeKey = Symbol('skiff.errorCode');
const maxParamLength = 200;

declare module 'fastify' {
  interface FastifyRequest {
    [errorCodeKey]?: string;
  }
}

/** The error handler calls this, so the audit entry carries the code of a failed request. */
export function noteErrorCode(request: FastifyRequest, code: string): void {
  request[errorCodeKey] = code;
}

/** Must be installed before any route is registered. */
export function installAuditLog(app: FastifyInstance, audit: AuditPort): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (route === undefined) return payload;
    const status = reply.statusCode;
    const access = accessOf(request);
    // 429: a flood of webhook deliveries is recorded like the refusals it is, counted per client and minute.
    const refused = status === 401 || status === 403 || status === 429;
    // A change is a call that is not a GET and needs more than read (validate and plan change
    // nothing); a flag evaluation (OFREP's POST) changes nothing either.
    const change = request.method !== 'GET' && request.method !== 'HEAD' && access !== 'public' && access.action !== 'read' && access.action !== 'evaluate';
    if (!refused && !change) return payload;
    const caller = knownCaller(request);
    try {
      const entry = {
        actor: caller?.name ?? null,
        role: caller?.role ?? null,
        method: request.method,
        route,
        params: paramsOf(request),
        summary: summaryOf(request),
        address: request.ip,
        status,
        code: request[errorCodeKey] ?? null,
      };
      if (refused) audit.appendRefusal(entry);
      else audit.append(entry);
    } catch (error) {
      request.log.error({ err: error, route, status }, 'could not write the audit log');
      // A refusal or a failure keeps its own answer; only a change that was made must not look recorded.
      if (!change || status >= 400) return payload;
      const failed = new SkiffError('SKIFF_AUDIT_FAILED', `${request.method} ${route} was done (status ${status}) but not recorded: ${(error as Error).message}`, {
        hint: 'check the disk of the data directory; `skiff audit` will not show this change',
      });
      reply.code(500).type('application/json');
      return JSON.stringify(failed.toJSON());
    }
    return payload;
  });
}

function paramsOf(request: FastifyRequest): Record<string, string> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value).slice(0, maxParamLength)]));
}

function summaryOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? request.url;
  const fallback = `${request.method} ${path}`;
  const write = request.routeOptions.config.audit;
  if (!write) return fallback;
  try {
    return write({ params: request.params, query: request.query, body: request.body }) || fallback;
  } catch {
    return fallback;
  }
}
