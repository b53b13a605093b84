import { describe, expect, it } from 'vitest';
import { parseAlertExpression } from '../spec/alert-expression.js';
import { parseSpec } from '../spec/parse.js';
import { initialAlertState, stepAlert } from './alert-state.js';
import type { AlertState, AlertTransition } from './alert-state.js';

describe('alert expressions', () => {
  it.each([
    ['errorRate(web) > 5%', { kind: 'call', fn: 'errorRate', service: 'web', windowMs: 60_000 }, '>', { kind: 'number', value: 0.05, unit: 'percent' }],
    ['p99(web, 5m) > 500ms', { kind: 'call', fn: 'p99', service: 'web', windowMs: 300_000 }, '>', { kind: 'number', value: 0.5, unit: 'duration' }],
    ['ready(web) < desired(web)', { kind: 'call', fn: 'ready', service: 'web', windowMs: null }, '<', { kind: 'call', fn: 'desired', service: 'web', windowMs: null }],
    ['restarts(web-api, 10m) >= 3', { kind: 'call', fn: 'restarts', service: 'web-api', windowMs: 600_000 }, '>=', { kind: 'number', value: 3, unit: 'none' }],
    ['certificateDaysLeft() < 30', { kind: 'call', fn: 'certificateDaysLeft', service: '', windowMs: null }, '<', { kind: 'number', value: 30, unit: 'none' }],
  ])('parses %s', (text, left, op, right) => {
    expect(parseAlertExpression(text)).toEqual({ ok: true, expression: { left, op, right } });
  });

  it.each([
    ['errorRate(web) > ', 18, 'expected a number or a function'],
    ['errRate(web) > 5%', 1, 'unknown function "errRate"'],
    ['p99(web) > 5%', 10, 'a percentage compares with errorRate()'],
    ['ready(web, 5m) < 2', 12, 'takes no window'],
    ['ready(web) < 2 extra', 16, 'expected the end of the expression'],
    ['ready(web) ~ 2', 12, 'unexpected "~"'],
    ['errorRate(web) > p99(web)', 16, 'cannot compare ratio with seconds'],
    ['certificateDaysLeft(web) < 14', 21, 'expected ")", found "web"'],
    ['certificateDaysLeft() < 14d', 27, 'expected the end of the expression'],
    ['certificateDaysLeft() < 5%', 23, 'a percentage compares with errorRate()'],
  ])('refuses %s at column %i', (text, column, message) => {
    const result = parseAlertExpression(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.column).toBe(column);
      expect(result.error.message).toContain(message);
    }
  });

  it('reports a bad expression and an unknown service at their place in the spec file', () => {
    const text = `name: t
services:
  web:
    path: .
    start: [node, server.js]
alerts:
  - name: slow
    expr: p99(web) > 5%
  - name: gone
    expr: ready(api) < 1
notify:
  - webhook: ftp://example
`;
    const parsed = parseSpec(text, 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const found = parsed.errors.map((e) => [e.path, e.position?.line, e.message]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['alerts.0.expr', 8, expect.stringContaining('column 10 of "p99(web) > 5%"')],
        ['alerts.1.expr', 10, expect.stringContaining('unknown service "api"')],
        ['notify.0.webhook', 12, expect.stringContaining('http')],
      ]),
    );
  });
});

describe('alert states', () => {
  const run = (steps: readonly [holds: boolean, now: number][], forMs: number): [AlertState, AlertTransition[]] => {
    let state = initialAlertState;
    const seen: AlertTransition[] = [];
    for (const [holds, now] of steps) {
      const next = stepAlert(state, holds, now, forMs);
      state = next.state;
      seen.push(...next.transitions);
    }
    return [state, seen];
  };

  it('goes pending, then firing once the condition held for `for`, then resolved', () => {
    expect(run([[true, 0], [true, 500], [true, 1000], [false, 1500]], 1000)).toEqual([
      { phase: 'inactive', since: 1500 },
      ['pending', 'firing', 'resolved'],
    ]);
  });

  it('clears a pending alert that stops holding before `for`, without firing', () => {
    expect(run([[true, 0], [false, 500], [true, 600]], 1000)).toEqual([{ phase: 'pending', since: 600 }, ['pending', 'cleared', 'pending']]);
  });

  it('fires at once with for 0, still through pending', () => {
    expect(run([[true, 0]], 0)).toEqual([{ phase: 'firing', since: 0 }, ['pending', 'firing']]);
  });
});
