/**
 * Statuses the fake API server does not produce (it validates no schemas), mapped as the real
 * server words them: 422 Invalid with field causes, and 403 in a namespace being deleted.
 */
import { describe, expect, it } from 'vitest';
import { errorFromStatus, type RequestContext } from './kube-errors.js';

const context: RequestContext = {
  verb: 'patch',
  resource: 'deployments',
  namespace: 'skiff-staging',
  name: 'web',
  server: 'https://10.0.0.1:6443',
  kubeconfigPath: '/home/me/.kube/config',
  contextName: 'staging',
  userName: 'skiff',
};

describe('Kubernetes Status → SkiffError', () => {
  it('422 Invalid lists each field cause as a detail with its path', () => {
    // Worded as kube-apiserver 1.32 answers an apply with a bad replicas and a bad container name.
    const error = errorFromStatus(
      422,
      {
        kind: 'Status',
        code: 422,
        reason: 'Invalid',
        message: 'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\']',
        details: {
          name: 'web',
          group: 'apps',
          kind: 'Deployment',
          causes: [
            { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
            { reason: 'FieldValueInvalid', message: 'Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\'', field: 'spec.template.spec.containers[0].name' },
          ],
        },
      },
      context,
    );
    expect(error.code).toBe('SKIFF_KUBE_INVALID');
    expect(error.message).toMatch(/^the API server rejected deployments\/web in namespace "skiff-staging": Deployment.apps "web" is invalid/);
    expect(error.details.map((d) => [d.path, d.message])).toEqual([
      ['spec.replicas', 'Invalid value: -1: must be greater than or equal to 0'],
      ['spec.template.spec.containers[0].name', expect.stringContaining('lowercase RFC 1123 label')],
    ]);
  });

  it('403 in a namespace being deleted says to wait for it, not to ask for a Role', () => {
    const error = errorFromStatus(
      403,
      {
        kind: 'Status',
        code: 403,
        reason: 'Forbidden',
        message: 'deployments.apps "web" is forbidden: unable to create new content in namespace skiff-staging because it is being terminated',
        details: { causes: [{ reason: 'NamespaceTerminating', message: 'namespace skiff-staging is being terminated', field: 'metadata.namespace' }] },
      },
      context,
    );
    expect(error.code).toBe('SKIFF_KUBE_FORBIDDEN');
    expect(error.hint).toContain('wait until namespace "skiff-staging" is gone');
  });

  it('a cluster-scoped denial says so', () => {
    const error = errorFromStatus(403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'namespaces is forbidden: User "skiff" cannot create resource "namespaces" in API group "" at the cluster scope' }, { ...context, verb: 'create', resource: 'namespaces', namespace: undefined } as RequestContext);
    expect(error.message).toContain('user "skiff" may not create namespaces at the cluster scope');
  });
});
