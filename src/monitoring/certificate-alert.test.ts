import { describe, expect, it } from 'vitest';
import type { AlertRuleSpec } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import { AlertEvaluator } from './alerts.js';
import { RecentSamples } from './recent.js';
import type { CertificateSample } from './sources.js';
import { WebhookNotifier } from './webhook-notifier.js';

const now = Date.parse('2026-12-06T12:00:00Z');
const day = 86_400_000;

function evaluator(certificates: Record<string, readonly CertificateSample[]>) {
  const recent = new RecentSamples();
  for (const [environment, list] of Object.entries(certificates)) {
    recent.record({ environment, instances: [], desired: [], routerMetrics: null, routeTable: null, certificates: list }, now);
  }
  const events: NewEvent[] = [];
  const alerts = new AlertEvaluator({ recent, notifier: new WebhookNotifier({ onAttempt: () => {} }), emit: (event) => events.push(event) });
  return { alerts, events, environments: Object.keys(certificates) };
}

const expiringIn = (host: string, days: number): CertificateSample => ({ hosts: [host], source: 'file', notAfter: now + days * day });

describe('the built-in certificate-expiry alert', () => {
  it('fires in an environment whose certificate expires within 14 days, naming it, and stays inactive for a long-lived one', () => {
    const { alerts, events, environments } = evaluator({ staging: [expiringIn('long.test', 90), expiringIn('soon.test', 2)], production: [expiringIn('fresh.test', 60)], dev: [] });
    alerts.evaluate({ alerts: [], notify: [] }, environments, now);
    expect(alerts.list().map((alert) => [alert.name, alert.environment, alert.state, alert.expr])).toEqual([
      ['certificate-expiry', 'production', 'inactive', 'certificateDaysLeft() < 14'],
      ['certificate-expiry', 'staging', 'firing', 'certificateDaysLeft() < 14'],
    ]);
    expect(alerts.list().find((alert) => alert.environment === 'staging')?.value).toBeCloseTo(2);
    expect(events.map((event) => [event.type, event.environment])).toEqual([
      ['alert.pending', 'staging'],
      ['alert.firing', 'staging'],
    ]);
    expect(events[1]?.message).toBe('alert certificate-expiry firing (warning): certificateDaysLeft() < 14 (now 2: soon.test (file) expires 2026-12-08T12:00:00.000Z)');
  });

  it("gives way to the spec's own certificate rule in the environment it names", () => {
    const own: AlertRuleSpec = { name: 'certs-prod', expr: 'certificateDaysLeft() < 90', for: 0, severity: 'critical', environment: 'production' };
    const { alerts, environments } = evaluator({ staging: [expiringIn('a.test', 30)], production: [expiringIn('b.test', 30)] });
    alerts.evaluate({ alerts: [own], notify: [] }, environments, now);
    expect(alerts.list().map((alert) => [alert.name, alert.environment, alert.state])).toEqual([
      ['certificate-expiry', 'staging', 'inactive'],
      ['certs-prod', 'production', 'firing'],
    ]);
  });
});
