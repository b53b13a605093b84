/**
 * Access control for every route: the bearer token is checked before anything else happens
 * (401), then, once the body is parsed and before it is validated or any handler runs, what the
 * route declares it needs (403). A refused call changes nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows, allowsSomewhere, describeGrant, type Caller } from '../core/access.js';
import { SkiffError } from '../core/errors.js';
import type { TokenPort } from './access-port.js';
import { accessOf, type RouteAccess } from './route-access.js';

const callerKey = Symbol('skiff.caller');
const recheckKey = Symbol('skiff.recheck');

declare module 'fastify' {
  interface FastifyRequest {
    [callerKey]?: Caller;
    /** Verifies the request's token again (a long-lived stream outlives the check at its start). */
    [recheckKey]?: () => boolean;
  }
}

export const tokenHint =
  'send `authorization: Bearer <token>`: `skiff up` writes the local admin token to <data dir>/token (default .skiff/token); ' +
  'an admin makes more with `skiff token create NAME --role flags|viewer|deployer|admin [--env E]`';

/** Must be installed before any route is registered, so every route gets the hooks. */
export function installAccessControl(app: FastifyInstance, tokens: TokenPort): void {
  app.addHook('onRequest', async (request) => {
    // No route matched: the not-found answer tells nothing a token would protect.
    if (request.routeOptions.url === undefined) return;
    if (accessOf(request) === 'public') return;
    const { caller, token } = authenticate(request, tokens);
    request[callerKey] = caller;
    request[recheckKey] = () => tokens.verify(token) !== null;
  });
  // Once the body is parsed (so the audit log can say what was refused), before validation and the handler.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.url === undefined) return;
    const access = accessOf(request);
    if (access === 'public') return;
    const caller = callerOf(request);
    if (!allowsSomewhere(caller, access.action)) throw forbidden(request, caller, access);
    const source = access.environment;
    if (source === 'any') return;
    authorize(request, caller, access, source === undefined ? undefined : stringOrUndefined(environmentIn(request, source)));
  });
}

function environmentIn(request: FastifyRequest, source: { readonly param: string } | { readonly body: string }): unknown {
  if ('param' in source) return (request.params as Record<string, unknown> | undefined)?.[source.param];
  return (request.body as Record<string, unknown> | null | undefined)?.[source.body];
}

/** Who made the request: set for every route that is not public. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = request[callerKey];
  if (caller) return caller;
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
  throw new SkiffError('SKIFF_INTERNAL', `no caller for ${route}: a public route cannot act for someone`);
}

/** The caller when a valid token came with the request, else null (public routes, 401s). */
export function knownCaller(request: FastifyRequest): Caller | null {
  return request[callerKey] ?? null;
}

/** Whether the token the request came with is still valid now (not revoked since); true for public routes. */
export function stillAuthorized(request: FastifyRequest): boolean {
  return request[recheckKey]?.() ?? true;
}

/** The name recorded as the author of a change: the token's name, never a field of the request. */
export function actorOf(request: FastifyRequest): string {
  return callerOf(request).name;
}

function authenticate(request: FastifyRequest, tokens: TokenPort): { caller: Caller; token: string } {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw new SkiffError('SKIFF_UNAUTHORIZED', 'this request needs a token and none was sent', { hint: tokenHint });
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) {
    throw new SkiffError('SKIFF_UNAUTHORIZED', 'the authorization header is not `Bearer <token>`', { hint: tokenHint });
  }
  const token = match[1] as string;
  const caller = tokens.verify(token);
  if (!caller) {
    throw new SkiffError('SKIFF_UNAUTHORIZED', 'the token is not valid: it is unknown, revoked or mistyped', { hint: tokenHint });
  }
  return { caller, token };
}

function authorize(request: FastifyRequest, caller: Caller, access: RouteAccess, environment: string | undefined): void {
  if (!allows(caller, access.action, environment)) throw forbidden(request, caller, access, environment);
}

function forbidden(request: FastifyRequest, caller: Caller, access: RouteAccess, environment?: string): SkiffError {
  const what = `${request.method} ${request.routeOptions.url ?? request.url}`;
  const who = `${caller.name} is ${describeGrant(caller)}`;
  if (caller.role === 'flags' && access.action !== 'evaluate') {
    return new SkiffError('SKIFF_FORBIDDEN', `${what} needs the viewer role or more; ${who}, which may only evaluate flags over OFREP`, {
      hint: 'use a viewer, deployer or admin token for the rest of the API',
    });
  }
  if (access.action === 'admin' || caller.role === 'viewer') {
    const role = access.action === 'admin' ? 'admin' : 'deployer or admin';
    return new SkiffError('SKIFF_FORBIDDEN', `${what} needs the ${role} role; ${who}`, {
      hint: `ask an admin for a token with the ${role === 'admin' ? 'admin' : 'deployer'} role`,
    });
  }
  if (environment === undefined) {
    return new SkiffError('SKIFF_FORBIDDEN', `${what} needs ${access.action} in every environment; ${who}`, {
      hint: 'ask an admin for a deployer token without --env (every environment)',
    });
  }
  return new SkiffError('SKIFF_FORBIDDEN', `${what} changes ${environment}: ${who} and may not ${access.action} there`, {
    hint: `ask an admin for a token that covers ${environment}: skiff token create NAME --role deployer --env ${environment}`,
  });
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
