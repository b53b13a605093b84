import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controlPlaneRole, controlPlaneRules } from './rbac.js';

const docs = new URL('../../../../docs/kubernetes.md', import.meta.url);

describe('docs/kubernetes.md', () => {
  it('shows the Role export writes, in full', () => {
    const text = readFileSync(docs, 'utf8');
    const block = /```yaml\n(apiVersion: rbac\.authorization\.k8s\.io\/v1\nkind: Role\n[\s\S]*?)```/.exec(text)?.[1];
    expect(block).toBeDefined();
    expect(parse(block ?? '')).toEqual(controlPlaneRole('production', 'skiff-production', { serviceType: 'LoadBalancer', gateway: 'httproute' }));
  });

  it('grants pods/proxy only when the routers are reached through it (the default)', () => {
    const proxy = { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get', 'create'] };
    expect(controlPlaneRules({ serviceType: 'LoadBalancer' })).toContainEqual(proxy);
    expect(controlPlaneRules({ serviceType: 'LoadBalancer', routerAccess: 'proxy' })).toContainEqual(proxy);
    expect(controlPlaneRules({ serviceType: 'LoadBalancer', routerAccess: 'direct' }).some((rule) => rule.resources?.includes('pods/proxy'))).toBe(false);
  });
});
