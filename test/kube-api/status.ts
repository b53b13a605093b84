/** Status objects shaped like the real API server's (kind: Status, reason, code, details). */

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason: string;
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string; readonly causes?: readonly StatusCause[]; readonly uid?: string };
  readonly code: number;
}

/** A failure the HTTP layer answers with its Status. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

export interface Target {
  /** The resource's plural, e.g. `deployments`. */
  readonly resource: string;
  readonly group: string;
  readonly name?: string;
}

function failure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `deployments.apps`, or `pods` for the core group: how the real server names a resource in messages. */
export function qualified(target: Target): string {
  return target.group === '' ? target.resource : `${target.resource}.${target.group}`;
}

export const notFound = (t: Target): StatusError =>
  failure(404, 'NotFound', `${qualified(t)} "${t.name ?? ''}" not found`, { name: t.name ?? '', group: t.group, kind: t.resource });

export const alreadyExists = (t: Target): StatusError =>
  failure(409, 'AlreadyExists', `${qualified(t)} "${t.name ?? ''}" already exists`, { name: t.name ?? '', group: t.group, kind: t.resource });

export const staleWrite = (t: Target): StatusError =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t)} "${t.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`, {
    name: t.name ?? '',
    group: t.group,
    kind: t.resource,
  });

export const badRequest = (message: string): StatusError => failure(400, 'BadRequest', message);

export const serviceUnavailable = (message: string): StatusError => failure(503, 'ServiceUnavailable', message);

export const invalid = (t: Target & { readonly kind: string }, causes: readonly StatusCause[]): StatusError =>
  failure(422, 'Invalid', `${t.kind} "${t.name ?? ''}" is invalid: ${causes.map((c) => `${c.field ?? ''}: ${c.message}`).join(', ')}`, {
    name: t.name ?? '',
    group: t.group,
    kind: t.kind,
    causes,
  });

export const unauthorized = (): StatusError => failure(401, 'Unauthorized', 'Unauthorized');

export const methodNotAllowed = (): StatusError => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const unsupportedMediaType = (contentType: string): StatusError =>
  failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${contentType}`);

export const pathNotFound = (): StatusError => failure(404, 'NotFound', 'the server could not find the requested resource');

export interface ForbiddenRequest extends Target {
  readonly user: string;
  readonly verb: string;
  readonly namespace?: string;
  readonly subresource?: string;
}

/** RBAC's wording: `pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "y"`. */
export function forbidden(r: ForbiddenRequest): StatusError {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const subject = r.name ? `${qualified(r)} "${r.name}"` : qualified(r);
  const where = r.namespace ? ` in the namespace "${r.namespace}"` : ' at the cluster scope';
  return failure(403, 'Forbidden', `${subject} is forbidden: User "${r.user}" cannot ${r.verb} resource "${resource}" in API group "${r.group}"${where}`, {
    ...(r.name ? { name: r.name } : {}),
    group: r.group,
    kind: r.resource,
  });
}

export const namespaceTerminating = (t: Target & { readonly namespace: string }): StatusError =>
  failure(403, 'Forbidden', `${qualified(t)} "${t.name ?? ''}" is forbidden: unable to create new content in namespace ${t.namespace} because it is being terminated`, {
    name: t.name ?? '',
    group: t.group,
    kind: t.resource,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${t.namespace} is being terminated`, field: 'metadata.namespace' }],
  });

/** The watch ERROR for a resourceVersion older than the compaction window. */
export const expired = (requested: number, oldest: number): Status => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: `too old resource version: ${requested} (${oldest})`,
  reason: 'Expired',
  code: 410,
});

export interface ApplyConflict {
  readonly manager: string;
  readonly field: string;
}

/** Server-side apply's conflict: which fields, owned by which manager. */
export function applyConflicts(conflicts: readonly ApplyConflict[], apiVersion: string): StatusError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const n = conflicts.length;
  const parts = [...byManager].map(([manager, fields]) =>
    fields.length === 1 ? `conflict with "${manager}" using ${apiVersion}: ${fields[0]}` : `conflicts with "${manager}" using ${apiVersion}:\n${fields.map((f) => `- ${f}`).join('\n')}`,
  );
  return failure(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${apiVersion}`, field: c.field })),
  });
}
