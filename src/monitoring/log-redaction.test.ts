import { describe, expect, it } from 'vitest';
import { createRedactor, isRedactable, redactThenFilter, unredactableWarnings } from './log-redaction.js';

const secret = 'Zq8vN2pLx7RkT4mWc9YbHs';

describe('log redaction', () => {
  it('filters after redacting: no substring of a secret finds a line', () => {
    const lines = [{ line: `token=${secret}` }, { line: 'plain line' }];
    const redact = createRedactor([secret]);
    for (let length = 1; length <= secret.length; length += 1) {
      for (let start = 0; start + length <= secret.length; start += 1) {
        const grep = secret.slice(start, start + length);
        // Found only where the redacted text itself matches: the answer says nothing about the secret.
        expect(redactThenFilter(lines.slice(0, 1), { redact, grep }).length > 0).toBe('token=[redacted]'.includes(grep));
      }
    }
    expect(redactThenFilter(lines, { redact, grep: 'redacted' })).toEqual([{ line: 'token=[redacted]' }]);
    expect(redactThenFilter(lines, { redact, tail: 1 })).toEqual([{ line: 'plain line' }]);
  });

  it('leaves short or plain values alone and warns about them, naming the secret only', () => {
    const redact = createRedactor(['debug', 'aaaaaaaaaa', secret]);
    expect(redact('{"level":"debug","msg":"aaaaaaaaaa"}')).toBe('{"level":"debug","msg":"aaaaaaaaaa"}');
    expect(isRedactable('debug')).toBe(false);
    const warnings = unredactableWarnings({ LEVEL: 'debug', TOKEN: secret });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('LEVEL');
    expect(warnings[0]).not.toContain('debug');
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    expect(createRedactor(['abcd1234', 'abcd1234efgh5678'])('x abcd1234efgh5678 y')).toBe('x [redacted] y');
  });
});
