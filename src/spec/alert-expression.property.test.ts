import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from '../core/testing/fuzz-runs.js';
import { alertFunctions, comparisons, defaultWindowMs, parseAlertExpression } from './alert-expression.js';

/** Pieces of the expression grammar, so random text reaches past the first token. */
const token = fc.constantFrom(...alertFunctions, ...comparisons, '(', ')', ',', 'web', 'api-2', '5m', '30s', '500ms', '5%', '0.5', '-1', '1e309', '%', 'ms', ' ', '\t', '', '.', '_', 'é', '\u0000');
const expressionish = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(token, { maxLength: 12 }).map((parts) => parts.join('')));

const service = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const windowed = alertFunctions.filter((fn) => defaultWindowMs[fn] !== null);
/** Expressions the grammar accepts: a windowed function of a service compared with a plain number. */
const validExpression = fc
  .record({ fn: fc.constantFrom(...windowed), service, window: fc.constantFrom('', ', 1m', ', 30s'), op: fc.constantFrom(...comparisons), value: fc.integer({ min: 0, max: 1000 }) })
  .map(({ fn, service: name, window, op, value }) => ({ text: `${fn}(${name}${window}) ${op} ${value}`, name, op }));

describe('parseAlertExpression', () => {
  it('never throws: any text is an expression or an error with a column inside it', () => {
    fc.assert(
      fc.property(expressionish, (text) => {
        const result = parseAlertExpression(text);
        if (result.ok) return;
        expect(result.error.message.length).toBeGreaterThan(0);
        expect(result.error.column).toBeGreaterThanOrEqual(1);
        expect(result.error.column).toBeLessThanOrEqual(text.length + 1);
      }),
      { numRuns: fuzzRuns(1000, 100_000) },
    );
  });

  it('reads every expression the grammar allows', () => {
    fc.assert(
      fc.property(validExpression, ({ text, name, op }) => {
        const result = parseAlertExpression(text);
        expect(result).toMatchObject({ ok: true, expression: { op, left: { kind: 'call', service: name } } });
      }),
      { numRuns: fuzzRuns(300, 100_000) },
    );
  });
});
