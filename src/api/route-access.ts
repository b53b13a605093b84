/**
 * What each route needs, declared with the route: the action (read, deploy, admin) and where the
 * environment it changes comes from. A route that declares nothing needs `read` for GET and
 * `admin` otherwise, so a new route is never left open by mistake.
 */
import type { FastifyRequest } from 'fastify';
import type { Action } from '../core/access.js';

/**
 * Where the environment a call changes is found: a path parameter, a (string) body field, or
 * `'any'` when the action in any one environment is enough (a build changes no environment; a
 * pipeline route's handler checks the stages' environments itself).
 */
export type EnvironmentSource = { readonly param: string } | { readonly body: string } | 'any';

export interface RouteAccess {
  readonly action: Action;
  /** Absent: the action must be allowed in every environment (an environment-scoped deployer is refused). */
  readonly environment?: EnvironmentSource;
}

/** `'public'`: no token needed. Only liveness and the dashboard's static files are public. */
export type AccessDeclaration = RouteAccess | 'public';

/** Writes the audit summary of a call from its params, query and body (possibly missing or not validated: a refused call). */
export type AuditSummary = (request: { readonly params: unknown; readonly query: unknown; readonly body: unknown }) => string;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessDeclaration;
    audit?: AuditSummary;
  }
}

export function defaultAccess(method: string): RouteAccess {
  return method === 'GET' || method === 'HEAD' ? { action: 'read' } : { action: 'admin' };
}

/** The route's declaration, or the default for its method. */
export function accessOf(request: FastifyRequest): AccessDeclaration {
  return request.routeOptions.config.access ?? defaultAccess(request.method);
}
