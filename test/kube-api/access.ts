/** Authentication by bearer token and RBAC-like denials a test configures, with the real server's Statuses. */
import { forbidden, unauthorized, type StatusError } from './status.js';

/** A denial: `verb` on `resource` (plural, optionally `pods/log`) in `namespace` (every namespace when unset). */
export interface ForbiddenRule {
  readonly verb: string;
  readonly resource: string;
  readonly namespace?: string;
}

export interface AccessRequest {
  readonly verb: string;
  readonly resource: string;
  readonly group: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export class AccessControl {
  private rules: ForbiddenRule[] = [];

  constructor(
    public token: string,
    readonly user: string,
  ) {}

  setForbidden(rules: readonly ForbiddenRule[]): void {
    this.rules = [...rules];
  }

  authenticate(authorization: string | undefined): StatusError | undefined {
    return authorization === `Bearer ${this.token}` ? undefined : unauthorized();
  }

  authorize(request: AccessRequest): StatusError | undefined {
    const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
    const denied = this.rules.some(
      (r) => (r.verb === request.verb || r.verb === '*') && (r.resource === resource || r.resource === '*') && (r.namespace === undefined || r.namespace === request.namespace),
    );
    if (!denied) return undefined;
    return forbidden({ user: this.user, verb: request.verb, resource: request.resource, group: request.group, ...optional(request) });
  }
}

function optional(request: AccessRequest): { subresource?: string; namespace?: string; name?: string } {
  return {
    ...(request.subresource ? { subresource: request.subresource } : {}),
    ...(request.namespace ? { namespace: request.namespace } : {}),
    ...(request.name ? { name: request.name } : {}),
  };
}
