import { describe, expect, it } from 'vitest';
import { parseIgnoreRules } from './ignore-rules.js';

const rules = parseIgnoreRules(
  [
    '# dependencies and local state',
    'node_modules/',
    '*.log',
    '!keep.log',
    '/data/',
    'build/*.tmp',
    '**/cache',
    'docs/**',
    'secret?.txt',
    '[Tt]humbs.db',
    '\\#literal',
    'trailing   ',
    '',
  ].join('\n'),
);

describe('parseIgnoreRules', () => {
  it.each([
    ['node_modules', true, true],
    ['pkg/node_modules', true, true],
    ['node_modules', false, false], // a file named like the directory pattern is kept
    ['app.log', false, true],
    ['logs/deep/app.log', false, true],
    ['keep.log', false, false],
    ['logs/keep.log', false, false],
    ['data', true, true],
    ['sub/data', true, false], // anchored by the leading slash
    ['build/a.tmp', false, true],
    ['build/sub/a.tmp', false, false], // `*` does not cross `/`
    ['other/build/a.tmp', false, false], // a pattern with an inner slash is anchored
    ['cache', true, true],
    ['a/b/cache', true, true],
    ['docs/x/y.md', false, true],
    ['docs', true, false],
    ['secret1.txt', false, true],
    ['secret12.txt', false, false],
    ['Thumbs.db', false, true],
    ['thumbs.db', false, true],
    ['#literal', false, true],
    ['trailing', false, true],
    ['.git', true, true],
    ['sub/.git', true, true],
    ['src/index.ts', false, false],
  ])('%s (directory: %s) ignored: %s', (file, isDirectory, expected) => {
    expect(rules.ignores(file, isDirectory)).toBe(expected);
  });

  it('never re-includes .git, whatever the file says', () => {
    expect(parseIgnoreRules('!.git/\n!.git').ignores('.git', true)).toBe(true);
  });

  it('lets the last matching pattern win', () => {
    const ordered = parseIgnoreRules('!a.log\n*.log');
    expect(ordered.ignores('a.log', false)).toBe(true);
  });
});
