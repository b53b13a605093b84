/**
 * A minimal OpenAPI v3 document per group version: enough for kubectl 1.32, which reads
 * /openapi/v3 and then a group version's document to learn that PATCH takes `fieldValidation`
 * (so `apply --server-side` validates on the server). Object schemas are open (no properties);
 * the fake does not validate fields.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType } from './resources.js';

const PATCH_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  description: name,
  schema: name === 'force' ? { type: 'boolean', uniqueItems: true } : { type: 'string', uniqueItems: true },
}));

const schemaName = (t: ResourceType): string => `io.k8s.api.${t.group === '' ? 'core' : t.group.split('.')[0]}.${t.version}.${t.kind}`;

function itemPath(t: ResourceType): string {
  const prefix = t.group === '' ? '/api/v1' : `/apis/${t.group}/${t.version}`;
  return t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}/{name}` : `${prefix}/${t.plural}/{name}`;
}

function operation(t: ResourceType, action: 'get' | 'patch' | 'put' | 'delete'): object {
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
  return {
    operationId: `${action}${t.kind}`,
    'x-kubernetes-action': action === 'put' ? 'put' : action,
    'x-kubernetes-group-version-kind': gvk,
    ...(action === 'patch' ? { parameters: PATCH_PARAMETERS, requestBody: { content: { 'application/apply-patch+yaml': { schema: { type: 'object' } } }, required: true } } : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
  };
}

function groupVersionDocument(group: string, version: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.fromEntries(
      types.map((t) => [itemPath(t), { get: operation(t, 'get'), put: operation(t, 'put'), patch: operation(t, 'patch'), delete: operation(t, 'delete') }]),
    ),
    components: {
      schemas: Object.fromEntries(
        types.map((t) => [
          schemaName(t),
          { type: 'object', description: `${t.kind} (schema not modelled by the fake)`, 'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }] },
        ]),
      ),
    },
  };
}

const gvPath = (t: ResourceType): string => (t.group === '' ? 'api/v1' : `apis/${apiVersionOf(t)}`);

function rootDocument(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of RESOURCE_TYPES) {
    const key = gvPath(t);
    if (paths[key]) continue;
    const hash = createHash('sha512').update(JSON.stringify(groupVersionDocument(t.group, t.version))).digest('hex').slice(0, 128).toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

/** The document at `path` (/openapi/v3 or /openapi/v3/apis/GROUP/VERSION), or undefined (kubectl then tries /openapi/v2). */
export function openApiDocument(path: string): object | undefined {
  if (path === '/openapi/v3') return rootDocument();
  const match = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!match) return undefined;
  return match[1] ? groupVersionDocument('', 'v1') : groupVersionDocument(match[2] ?? '', match[3] ?? '');
}
