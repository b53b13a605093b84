/**
 * Kubernetes failures as Skiff errors: each names what was asked, of which server, and what to
 * do about it. Pure: the Status object the API server answered (or the transport error) in, a
 * SkiffError out.
 */
import { SkiffError, type ErrorDetail } from '../../../core/errors.js';

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** The API server's `Status` object (meta/v1), as much of it as Skiff reads. */
export interface KubeStatus {
  readonly kind?: string;
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string; readonly causes?: readonly StatusCause[] };
}

/** What the failed request was, for the message. */
export interface RequestContext {
  /** Kubernetes' verb: get, list, watch, create, patch, delete. */
  readonly verb: string;
  /** `deployments`, `pods/log`. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly contextName: string;
  readonly userName: string;
}

const ROLE_HINT = 'grant it with the Role and RoleBinding that `skiff export ENV --format kubernetes` writes (kubectl apply -f them as a cluster admin)';

export function describeTarget(ctx: Pick<RequestContext, 'resource' | 'namespace' | 'name'>): string {
  const what = ctx.name !== undefined ? `${ctx.resource}/${ctx.name}` : ctx.resource;
  return ctx.namespace !== undefined ? `${what} in namespace "${ctx.namespace}"` : what;
}

/** Parses a response body as a Status when it is one. */
export function statusOf(body: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed !== null && typeof parsed === 'object' && (parsed as KubeStatus).kind === 'Status' ? (parsed as KubeStatus) : undefined;
  } catch {
    return undefined;
  }
}

export function errorFromStatus(httpStatus: number, status: KubeStatus | undefined, ctx: RequestContext): SkiffError {
  const serverSaid = status?.message ?? `HTTP ${httpStatus}`;
  const causes = status?.details?.causes ?? [];
  switch (httpStatus) {
    case 401:
      return new SkiffError(
        'SKIFF_KUBE_UNAUTHORIZED',
        `the Kubernetes API server ${ctx.server} rejected the credentials of user "${ctx.userName}" (context "${ctx.contextName}" in ${ctx.kubeconfigPath}): the token has expired or is wrong`,
        { path: `users[${ctx.userName}].user`, hint: 'put a valid token in that user (`kubectl create token SERVICEACCOUNT -n NAMESPACE` makes one), or choose another context' },
      );
    case 403:
      return forbidden(serverSaid, causes, ctx);
    case 404:
      return notFound(status, ctx);
    case 409:
      return conflict(status, serverSaid, causes, ctx);
    case 410:
      return new SkiffError('SKIFF_KUBE_EXPIRED', `${ctx.verb} ${describeTarget(ctx)}: ${serverSaid}`, { hint: 'list again and watch from the list\'s resourceVersion' });
    case 422:
      return new SkiffError('SKIFF_KUBE_INVALID', `the API server rejected ${describeTarget(ctx)}: ${serverSaid}`, {
        details: causes.map((c) => causeDetail('SKIFF_KUBE_INVALID', c)),
        hint: 'fix the fields named in the details',
      });
    default:
      return new SkiffError('SKIFF_KUBE_REQUEST_FAILED', `${ctx.verb} ${describeTarget(ctx)} on ${ctx.server} failed with ${httpStatus}${status?.reason ? ` ${status.reason}` : ''}: ${serverSaid}`, {
        hint: httpStatus >= 500 ? 'the API server is in trouble; try again, and check its health' : 'the request was refused as sent; the message says why',
      });
  }
}

function causeDetail(code: 'SKIFF_KUBE_INVALID' | 'SKIFF_KUBE_CONFLICT', cause: StatusCause): ErrorDetail {
  return { code, message: cause.message ?? cause.reason ?? 'invalid', ...(cause.field ? { path: cause.field } : {}) };
}

// RBAC: `pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "y"`.
const RBAC_DENIAL = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)?/;

function forbidden(serverSaid: string, causes: readonly StatusCause[], ctx: RequestContext): SkiffError {
  if (causes.some((c) => c.reason === 'NamespaceTerminating')) {
    return new SkiffError('SKIFF_KUBE_FORBIDDEN', `cannot ${ctx.verb} ${describeTarget(ctx)}: ${serverSaid}`, {
      hint: `wait until namespace "${ctx.namespace ?? ''}" is gone (kubectl get namespace ${ctx.namespace ?? ''}), then deploy again`,
    });
  }
  const denial = RBAC_DENIAL.exec(serverSaid);
  const verb = denial?.[1] ?? ctx.verb;
  const group = denial?.[3] ?? '';
  const resource = `${denial?.[2] ?? ctx.resource}${group ? `.${group}` : ''}`;
  const namespace = denial ? denial[4] : ctx.namespace;
  const where = namespace !== undefined ? `in namespace "${namespace}"` : 'at the cluster scope';
  return new SkiffError('SKIFF_KUBE_FORBIDDEN', `user "${ctx.userName}" may not ${verb} ${resource} ${where} (context "${ctx.contextName}"): ${serverSaid}`, {
    hint: ROLE_HINT,
  });
}

function notFound(status: KubeStatus | undefined, ctx: RequestContext): SkiffError {
  const missingNamespace = status?.details?.kind === 'namespaces' && !ctx.resource.startsWith('namespaces') ? status.details.name ?? ctx.namespace : undefined;
  if (missingNamespace !== undefined) {
    return new SkiffError('SKIFF_KUBE_NAMESPACE_MISSING', `namespace "${missingNamespace}" does not exist on ${ctx.server} (${ctx.verb} ${describeTarget(ctx)})`, {
      hint: `create it: kubectl create namespace ${missingNamespace} (or apply the Namespace that \`skiff export\` writes)`,
    });
  }
  return new SkiffError('SKIFF_KUBE_NOT_FOUND', `${describeTarget(ctx)} does not exist on ${ctx.server}`, {
    hint: status?.message ? `the API server said: ${status.message}` : 'check the name and namespace',
  });
}

// A server-side apply conflict cause: `conflict with "kubectl-edit" using apps/v1`, field `.spec.replicas`.
const MANAGER_OF_CAUSE = /conflict with "([^"]+)"/;

function conflict(status: KubeStatus | undefined, serverSaid: string, causes: readonly StatusCause[], ctx: RequestContext): SkiffError {
  if (status?.reason === 'AlreadyExists') {
    return new SkiffError('SKIFF_KUBE_ALREADY_EXISTS', `${describeTarget(ctx)} already exists on ${ctx.server}`, { hint: 'apply it instead of creating it, or delete the old one first' });
  }
  const fieldConflicts = causes.filter((c) => c.reason === 'FieldManagerConflict');
  if (fieldConflicts.length === 0) {
    return new SkiffError('SKIFF_KUBE_CONFLICT', `${describeTarget(ctx)} changed while Skiff wrote it: ${serverSaid}`, { hint: 'read it again and retry the write' });
  }
  const byManager = new Map<string, string[]>();
  for (const c of fieldConflicts) {
    const manager = MANAGER_OF_CAUSE.exec(c.message ?? '')?.[1] ?? 'another manager';
    byManager.set(manager, [...(byManager.get(manager) ?? []), c.field ?? '?']);
  }
  const owners = [...byManager].map(([manager, fields]) => `${fields.join(', ')} (managed by "${manager}")`).join('; ');
  return new SkiffError('SKIFF_KUBE_CONFLICT', `applying ${describeTarget(ctx)} conflicts with fields another manager owns: ${owners}`, {
    details: fieldConflicts.map((c) => causeDetail('SKIFF_KUBE_CONFLICT', c)),
    hint: 'stop the other tool from managing these fields, or run again with --force-conflicts to let Skiff take them over',
  });
}

const TLS_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** A request that got no HTTP answer: refused, timed out, name not resolved, certificate not trusted. */
export function unreachableError(error: Error & { code?: string }, ctx: RequestContext): SkiffError {
  const tls = error.code !== undefined && TLS_CODES.has(error.code);
  const message = tls
    ? `the Kubernetes API server ${ctx.server} presented a certificate Skiff does not trust (${error.code}: ${error.message})`
    : `the Kubernetes API server ${ctx.server} is not reachable (${error.code ? `${error.code}: ` : ''}${error.message})`;
  const hint = tls
    ? `set the cluster's certificate-authority(-data) in ${ctx.kubeconfigPath} (context "${ctx.contextName}") to the CA that signed the server's certificate`
    : `check that the cluster is running and that ${ctx.server} (context "${ctx.contextName}" in ${ctx.kubeconfigPath}) is the right address`;
  return new SkiffError('SKIFF_KUBE_UNREACHABLE', message, { hint, cause: error });
}
