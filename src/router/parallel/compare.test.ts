import { describe, expect, it } from 'vitest';
import { compareAnswers, type CapturedAnswer } from './compare.js';
import { compileIgnoreFields } from './json-diff.js';

function answer(status: number, body: string | null, headers: Record<string, string> = { 'content-type': 'application/json' }): CapturedAnswer {
  return { status, headers: new Map(Object.entries(headers)), body: body === null ? null : Buffer.from(body) };
}

const settings = { compareHeaders: ['cache-control'], ignore: compileIgnoreFields(['time']) };

describe('compareAnswers', () => {
  it('finds no difference between equal JSON answers, ignoring named fields and key order', () => {
    const result = compareAnswers(answer(200, '{"a":1,"time":1}'), answer(200, '{"time":2,"a":1}'), settings);
    expect(result).toEqual({ differences: [], tooLarge: false });
  });

  it('reports status, a named header and JSON fields, one entry per key', () => {
    const trusted = answer(200, '{"items":[{"p":1},{"p":2}]}', { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
    const candidate = answer(201, '{"items":[{"p":3},{"p":4}]}', { 'content-type': 'application/json; charset=utf-8' });
    expect(compareAnswers(trusted, candidate, settings).differences).toEqual([
      { key: 'status', trusted: '200', candidate: '201' },
      { key: 'header:cache-control', trusted: 'max-age=60', candidate: '(absent)' },
      { key: 'body:items.*.p', trusted: '1', candidate: '3' },
    ]);
  });

  it('compares other bodies byte for byte, and only status and headers when a body was too large', () => {
    const text = { 'content-type': 'text/plain' };
    expect(compareAnswers(answer(200, 'hello', text), answer(200, 'hello', text), settings).differences).toEqual([]);
    expect(compareAnswers(answer(200, 'hello', text), answer(200, 'hullo', text), settings).differences).toEqual([
      { key: 'body', trusted: 'hello', candidate: 'hullo' },
    ]);
    expect(compareAnswers(answer(200, '{"a":1}'), answer(200, '{"a":1', {}), settings).differences.map((d) => d.key)).toEqual(['body']);
    expect(compareAnswers(answer(200, null, text), answer(500, 'x', text), settings)).toEqual({
      differences: [{ key: 'status', trusted: '200', candidate: '500' }],
      tooLarge: true,
    });
  });

  it('reports a copy that got no answer as a status difference', () => {
    const failed: CapturedAnswer = { status: 0, error: 'ECONNREFUSED', headers: new Map(), body: Buffer.alloc(0) };
    expect(compareAnswers(answer(200, '{}'), failed, settings).differences).toEqual([
      { key: 'status', trusted: '200', candidate: 'no answer (ECONNREFUSED)' },
    ]);
  });

  it('truncates long sample values', () => {
    const long = 'x'.repeat(1_000);
    const [difference] = compareAnswers(answer(200, `{"a":"${long}"}`), answer(200, '{"a":"y"}'), settings).differences;
    expect(difference!.trusted.length).toBeLessThanOrEqual(200);
  });
});
