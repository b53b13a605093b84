import { describe, expect, it } from 'vitest';
import { planSettingsChange, type ClusterSettings } from './settings-change.js';

const base: ClusterSettings = { kubernetes: { serviceType: 'NodePort', kubeconfig: './a.kubeconfig' }, registry: '127.0.0.1:5000/skiff' };
const withKube = (kubernetes: Partial<NonNullable<ClusterSettings['kubernetes']>>): ClusterSettings => ({ ...base, kubernetes: { ...base.kubernetes!, ...kubernetes } });

describe('planSettingsChange', () => {
  it.each([
    ['the same settings', base, { kind: 'unchanged' }],
    ['the default namespace written out', withKube({ namespace: 'skiff-dev' }), { kind: 'unchanged' }],
    ['another namespace', withKube({ namespace: 'shop' }), { kind: 'replace', fields: ['namespace'] }],
    ['another context', withKube({ context: 'prod' }), { kind: 'replace', fields: ['context'] }],
    ['another kubeconfig and namespace', withKube({ kubeconfig: './b.kubeconfig', namespace: 'shop', serviceType: 'LoadBalancer' }), { kind: 'replace', fields: ['kubeconfig', 'namespace'] }],
    ['the router Service type', withKube({ serviceType: 'LoadBalancer' }), { kind: 'in-place', fields: ['serviceType'] }],
    ['router access and gateway', withKube({ routerAccess: 'direct', gateway: 'httproute' }), { kind: 'in-place', fields: ['routerAccess', 'gateway'] }],
    ['the registry', { ...base, registry: '127.0.0.1:5001/skiff' }, { kind: 'in-place', fields: ['registry'] }],
  ] as const)('%s', (_, next, expected) => {
    expect(planSettingsChange('dev', base, next)).toEqual(expected);
  });

  it('no kubernetes section is the defaults: LoadBalancer in skiff-ENV', () => {
    expect(planSettingsChange('dev', { kubernetes: undefined, registry: 'r' }, { kubernetes: { serviceType: 'LoadBalancer', namespace: 'skiff-dev' }, registry: 'r' })).toEqual({ kind: 'unchanged' });
  });
});
