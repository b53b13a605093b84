/**
 * Evaluates the spec's alert rules against recent samples at every tick, records each transition
 * as an event, and sends firing and resolved notifications to the rule's webhooks.
 */
import { expressionServices, parseAlertExpression, watchesCertificates } from '../spec/alert-expression.js';
import type { AlertExpression, AlertOperand, Comparison } from '../spec/alert-expression.js';
import type { AlertRuleSpec, NotifierSpec } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import { initialAlertState, stepAlert } from './alert-state.js';
import type { AlertPhase, AlertState, AlertTransition } from './alert-state.js';
import { describeSoonest, soonestCertificate, withCertificateAlert } from './certificate-alert.js';
import type { RecentSamples } from './recent.js';
import { errorRate, quantile, requestRate } from './traffic.js';
import type { AlertNotification, WebhookNotifier } from './webhook-notifier.js';

export interface AlertRules {
  readonly alerts: readonly AlertRuleSpec[];
  readonly notify: readonly NotifierSpec[];
}

export interface AlertView {
  readonly name: string;
  readonly environment: string;
  readonly severity: 'warning' | 'critical';
  readonly expr: string;
  readonly forMs: number;
  readonly state: AlertPhase;
  /** ISO time the state began (the condition started holding, or the alert resolved). */
  readonly since: string | null;
  /** The left side's value at the last evaluation (a ratio, seconds, per second or a count). */
  readonly value: number | null;
  readonly webhooks: readonly string[];
}

interface Tracked {
  rule: AlertRuleSpec;
  readonly expression: AlertExpression;
  readonly environment: string;
  state: AlertState;
  value: number | null;
}

const quantiles: Readonly<Record<string, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export class AlertEvaluator {
  private readonly tracked = new Map<string, Tracked>();
  private rules: AlertRules = { alerts: [], notify: [] };

  constructor(
    private readonly deps: {
      readonly recent: RecentSamples;
      readonly notifier: WebhookNotifier;
      readonly emit: (event: NewEvent) => void;
      /** 1 when the job's last run in the environment failed, 0 when it succeeded, null before any. */
      readonly jobFailed?: (environment: string, job: string) => number | null;
    },
  ) {}

  /** Evaluates every rule in every environment it covers, and the built-in certificate alert. */
  evaluate(rules: AlertRules, environments: readonly string[], now: number): void {
    this.rules = rules;
    const seen = new Set<string>();
    const withCertificates = environments.filter((environment) => (this.deps.recent.latest(environment)?.certificates.length ?? 0) > 0);
    for (const rule of withCertificateAlert(rules.alerts, withCertificates)) {
      const parsed = parseAlertExpression(rule.expr);
      if (!parsed.ok) continue;
      for (const environment of rule.environment ? [rule.environment] : environments) {
        if (!environments.includes(environment)) continue;
        const key = `${rule.name}\u0000${environment}`;
        seen.add(key);
        let tracked = this.tracked.get(key);
        if (!tracked || tracked.rule.expr !== rule.expr) {
          tracked = { rule, expression: parsed.expression, environment, state: initialAlertState, value: null };
          this.tracked.set(key, tracked);
        }
        tracked.rule = rule;
        this.step(tracked, now);
      }
    }
    for (const key of this.tracked.keys()) if (!seen.has(key)) this.tracked.delete(key);
  }

  list(): AlertView[] {
    return [...this.tracked.values()]
      .map((t) => ({
        name: t.rule.name,
        environment: t.environment,
        severity: t.rule.severity,
        expr: t.rule.expr,
        forMs: t.rule.for,
        state: t.state.phase,
        since: t.state.since === null ? null : new Date(t.state.since).toISOString(),
        value: t.value,
        webhooks: this.webhooks(t.rule),
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.environment.localeCompare(b.environment));
  }

  private step(tracked: Tracked, now: number): void {
    const left = this.value(tracked.expression.left, tracked.environment, now);
    const right = this.value(tracked.expression.right, tracked.environment, now);
    tracked.value = left;
    const holds = left !== null && right !== null && compare(left, tracked.expression.op, right);
    const next = stepAlert(tracked.state, holds, now, tracked.rule.for);
    tracked.state = next.state;
    for (const transition of next.transitions) this.record(tracked, transition, now);
  }

  private value(operand: AlertOperand, environment: string, now: number): number | null {
    if (operand.kind === 'number') return operand.value;
    const { recent } = this.deps;
    const tick = recent.latest(environment);
    switch (operand.fn) {
      case 'ready':
        return tick ? tick.instances.filter((i) => i.service === operand.service && i.state === 'ready').length : null;
      case 'desired':
        return tick ? (tick.desired.find((d) => d.service === operand.service)?.instances ?? 0) : null;
      case 'restarts':
        return recent.restarts(environment, operand.service, operand.windowMs ?? 0, now);
      case 'jobFailed':
        return this.deps.jobFailed?.(environment, operand.service) ?? null;
      case 'certificateDaysLeft':
        return tick ? (soonestCertificate(tick.certificates, now)?.daysLeft ?? null) : null;
      case 'errorRate':
      case 'rps': {
        const traffic = recent.traffic(environment, operand.service, operand.windowMs ?? 60_000);
        if (!traffic) return null;
        return operand.fn === 'rps' ? requestRate(traffic) : errorRate(traffic);
      }
      case 'p50':
      case 'p90':
      case 'p95':
      case 'p99': {
        const traffic = recent.traffic(environment, operand.service, operand.windowMs ?? 60_000);
        return traffic ? quantile(traffic, quantiles[operand.fn] as number) : null;
      }
    }
  }

  private record(tracked: Tracked, transition: AlertTransition, now: number): void {
    const { rule, environment } = tracked;
    const services = expressionServices(tracked.expression);
    const soonest = watchesCertificates(tracked.expression) ? soonestCertificate(this.deps.recent.latest(environment)?.certificates ?? [], now) : null;
    const value = `${tracked.value === null ? 'no data' : formatValue(tracked.value)}${soonest ? `: ${describeSoonest(soonest)}` : ''}`;
    const message =
      transition === 'pending'
        ? `alert ${rule.name} pending: ${rule.expr} (now ${value})`
        : transition === 'firing'
          ? `alert ${rule.name} firing (${rule.severity}): ${rule.expr} (now ${value})`
          : transition === 'resolved'
            ? `alert ${rule.name} resolved: ${rule.expr} no longer holds (now ${value})`
            : `alert ${rule.name} back to normal before firing: ${rule.expr} (now ${value})`;
    this.deps.emit({
      type: `alert.${transition}`,
      environment,
      service: services[0] ?? null,
      actor: 'monitoring',
      message,
      data: { alert: rule.name, severity: rule.severity, expr: rule.expr, value: tracked.value },
    });
    if (transition !== 'firing' && transition !== 'resolved') return;
    const notification: AlertNotification = {
      alert: rule.name,
      state: transition,
      severity: rule.severity,
      environment,
      expr: rule.expr,
      value: tracked.value,
      since: tracked.state.since === null ? null : new Date(tracked.state.since).toISOString(),
      at: new Date(now).toISOString(),
      message,
    };
    for (const webhook of this.webhooks(rule)) this.deps.notifier.send(webhook, notification);
  }

  private webhooks(rule: AlertRuleSpec): string[] {
    return (rule.notify ?? this.rules.notify).map((n) => n.webhook);
  }
}

function compare(left: number, op: Comparison, right: number): boolean {
  switch (op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '==':
      return left === right;
    case '!=':
      return left !== right;
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}
