import { describe, expect, it } from 'vitest';
import type { ServiceRollout, ServiceStatus, StatusReport } from '../../api/control-plane.js';
import type { CertificateView } from '../../api/certificate-port.js';
import { formatReport, rolloutSummary } from './status.js';

const now = Date.parse('2026-11-26T12:00:00Z');

const canary: ServiceRollout = {
  id: 4,
  strategy: 'canary',
  active: true,
  phase: 'analysing',
  result: null,
  stable: 'v3',
  next: 'v4',
  step: 2,
  steps: 5,
  stepLabel: 'analysis quick',
  weights: { v3: 75, v4: 25 },
  waitsFor: null,
  reason: 'step 2 of 4, 25% on v4: analysis "quick"',
  author: 'ana',
  startedAt: '2026-11-26T11:58:00Z',
  finishedAt: null,
};

function service(name: string, rollout: ServiceRollout | null): ServiceStatus {
  return { name, environment: 'staging', release: 'v4', desired: 2, ready: 2, routes: [], rollout, autoscale: null };
}

function report(services: readonly ServiceStatus[]): StatusReport {
  return { environment: 'staging', revision: null, routerUrl: 'http://127.0.0.1:8081', limits: { enforced: true, reason: null }, services, instances: [] };
}

describe('skiff status with rollouts', () => {
  it('shows the phase, the releases, the step and the new release weight of a rollout under way', () => {
    expect(rolloutSummary(canary)).toBe('rollout canary v3→v4 step 2/5 weight 25% (analysing)');
    const lines = formatReport(report([service('web', canary), service('api', null)]), now);
    expect(lines).toContain('  web: rollout canary v3→v4 step 2/5 weight 25% (analysing)');
    expect(lines.filter((line) => line.includes('api:'))).toEqual([]);
  });

  it('says who must do what when the rollout waits for a person', () => {
    const waiting: ServiceRollout = { ...canary, strategy: 'blue-green', phase: 'paused', weights: { v3: 100 }, waitsFor: 'promote', step: 2, stepLabel: 'awaiting-promote' };
    const lines = formatReport(report([service('web', waiting)]), now);
    expect(lines).toContain('  web: rollout blue-green v3→v4 step 2/5 weight 0% (paused)');
    expect(lines).toContain('    waits for a person: skiff rollout promote web staging');
  });

  it('shows a recent finished rollout with how it ended and why, and leaves out an old one', () => {
    const aborted: ServiceRollout = {
      ...canary,
      active: false,
      phase: 'aborted',
      result: 'aborted',
      weights: { v3: 100 },
      reason: 'rolled back to v3: analysis "quick" failed: errorRate 20% > 1%',
      finishedAt: '2026-11-26T11:55:00Z',
    };
    const lines = formatReport(report([service('web', aborted)]), now);
    expect(lines).toContain('  web: rollout canary v3→v4 step 2/5 weight 0% (aborted), 5m ago');
    expect(lines).toContain('    rolled back to v3: analysis "quick" failed: errorRate 20% > 1%');
    const rolling: ServiceRollout = { ...canary, strategy: 'rolling', active: false, phase: 'completed', result: 'completed', steps: 1, step: 1, weights: null, finishedAt: '2026-11-26T09:00:00Z' };
    expect(formatReport(report([service('web', rolling)]), now).some((line) => line.includes('rollout'))).toBe(false);
    expect(formatReport(report([service('web', { ...rolling, finishedAt: '2026-11-26T11:59:00Z' })]), now)).toContain('  web: rollout rolling v3→v4 (completed), 1m ago');
  });
});

describe('skiff status with autoscaling', () => {
  const autoscale = { min: 1, max: 10, measure: 'concurrency', target: 20, observed: 4.24, mode: 'stable', desired: 3, scaledToZero: false } as const;

  it('shows the count, the bounds and the observed figure against the target', () => {
    const lines = formatReport(report([{ ...service('catalog', null), autoscale }]), now);
    expect(lines).toContain('  catalog: 3 instances (autoscale 1–10, concurrency 4.2/20 per instance)');
  });

  it('says when a service is scaled to zero, and marks panic and cpu shares', () => {
    const zero = { ...autoscale, min: 0, desired: 0, scaledToZero: true, observed: 0 };
    expect(formatReport(report([{ ...service('catalog', null), autoscale: zero }]), now)).toContain('  catalog: scaled to zero (autoscale 0–10, concurrency 0.0/20 per instance)');
    const cpu = { ...autoscale, measure: 'cpu', target: 70, observed: 95, mode: 'panic', desired: 1 } as const;
    expect(formatReport(report([{ ...service('catalog', null), autoscale: cpu }]), now)).toContain('  catalog: 1 instance (autoscale 1–10, cpu 95.0%/70% per instance, panic)');
  });
});

describe('skiff status of a kubernetes environment', () => {
  it('shows pods with their node and address instead of a pid and port, and why one is not ready', () => {
    const pod = (id: string, state: 'ready' | 'crashed', address: string | null, reason: string | null): StatusReport['instances'][number] => ({
      id,
      service: 'web',
      environment: 'staging',
      release: 'v4',
      state,
      address,
      pid: null,
      port: address ? 8080 : null,
      node: 'node-a',
      restarts: state === 'crashed' ? 3 : 0,
      startedAt: '2026-11-26T11:59:00Z',
      reason,
    });
    const lines = formatReport(
      { ...report([]), instances: [pod('web-v4-abc-1', 'ready', '10.244.0.7:8080', null), pod('web-v4-abc-2', 'crashed', null, 'CrashLoopBackOff: back-off 40s; last exit: OOMKilled (exit code 137)')] },
      now,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^INSTANCE\s+SERVICE\s+RELEASE\s+STATE\s+NODE\s+ADDRESS\s+RESTARTS\s+AGE$/));
    expect(lines).toContainEqual(expect.stringMatching(/^web-v4-abc-1\s+web\s+v4\s+ready\s+node-a\s+10\.244\.0\.7:8080\s+0\s+1m$/));
    expect(lines).toContain('  web-v4-abc-2: CrashLoopBackOff: back-off 40s; last exit: OOMKilled (exit code 137)');
  });

  it('says why an environment that should run does not, and what to do', () => {
    const lines = formatReport(
      {
        ...report([]),
        unavailable: { code: 'SKIFF_KUBE_NAMESPACE_MISSING', message: 'namespace "skiff-staging" does not exist', hint: 'kubectl create namespace skiff-staging', since: '2026-11-26T11:50:00.000Z' },
      },
      now,
    );
    expect(lines[1]).toBe('unavailable since 2026-11-26T11:50:00.000Z: namespace "skiff-staging" does not exist [SKIFF_KUBE_NAMESPACE_MISSING] (tried again meanwhile)');
    expect(lines[2]).toBe('  hint: kubectl create namespace skiff-staging');
  });
});

describe('skiff status with certificates', () => {
  const certificate = (hosts: string[], daysLeft: number): CertificateView => ({
    environment: 'staging',
    hosts,
    source: 'file',
    issuer: 'Test CA',
    notBefore: '2026-11-01T00:00:00.000Z',
    notAfter: new Date(now + daysLeft * 86_400_000 + 3_600_000).toISOString(),
    daysLeft,
    fingerprint256: 'AB:CD',
    renewedAt: '2026-11-01T00:00:00.000Z',
    acme: null,
  });

  it('says first when a certificate expires within 14 days or has expired, and nothing for a fresh one', () => {
    const lines = formatReport(report([]), now, [certificate(['fresh.test'], 60), certificate(['soon.test'], 13), certificate(['old.test'], -2)]);
    expect(lines.slice(1, 4)).toEqual([
      'CERTIFICATE EXPIRES SOON: soon.test (file) 2026-12-09 (13d left)',
      'CERTIFICATE EXPIRED: old.test (file) on 2026-11-24',
      '  details: skiff certs --env staging',
    ]);
    expect(formatReport(report([]), now, [certificate(['fresh.test'], 14)]).join('\n')).not.toContain('CERTIFICATE');
  });
});
