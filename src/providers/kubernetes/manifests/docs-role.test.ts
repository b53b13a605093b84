import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controlPlaneRole } from './rbac.js';

const docs = new URL('../../../../docs/kubernetes.md', import.meta.url);

describe('docs/kubernetes.md', () => {
  it('shows the Role export writes, in full', () => {
    const text = readFileSync(docs, 'utf8');
    const block = /```yaml\n(apiVersion: rbac\.authorization\.k8s\.io\/v1\nkind: Role\n[\s\S]*?)```/.exec(text)?.[1];
    expect(block).toBeDefined();
    expect(parse(block ?? '')).toEqual(controlPlaneRole('production', 'skiff-production', { serviceType: 'LoadBalancer', gateway: 'httproute' }));
  });
});
