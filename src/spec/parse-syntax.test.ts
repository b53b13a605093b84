import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { parseSpec } from './parse.js';

const file = 'skiff.yaml';

/** Joins lines so positions in the tables can be read off the source. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function errorsOf(text: string): ErrorDetail[] {
  const result = parseSpec(text, file);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors;
}

interface Expected {
  readonly code: ErrorDetail['code'];
  readonly path?: string;
  readonly at: `${number}:${number}`;
  readonly message?: string;
  readonly hint?: string;
}

function summary(detail: ErrorDetail): Expected {
  return {
    code: detail.code,
    ...(detail.path !== undefined ? { path: detail.path } : {}),
    at: `${detail.position?.line ?? 0}:${detail.position?.column ?? 0}`,
    ...(detail.message !== undefined ? { message: detail.message } : {}),
    ...(detail.hint !== undefined ? { hint: detail.hint } : {}),
  };
}

describe('parseSpec on a top level that is not a mapping', () => {
  it.each<[string, string, Expected]>([
    ['empty', '', { code: 'SKIFF_SPEC_INVALID_VALUE', at: '1:1', message: 'the file is empty' }],
    ['only comments', '# nothing yet\n', { code: 'SKIFF_SPEC_INVALID_VALUE', at: '1:1', message: 'the file is empty' }],
    ['a list', '- web\n- api\n', { code: 'SKIFF_SPEC_INVALID_VALUE', at: '1:1', message: 'expected a mapping at the top level of the file, got a list' }],
    ['a scalar', 'hello\n', { code: 'SKIFF_SPEC_INVALID_VALUE', at: '1:1', message: 'expected a mapping at the top level of the file, got text' }],
    ['a number', '42\n', { code: 'SKIFF_SPEC_INVALID_VALUE', at: '1:1', message: 'expected a mapping at the top level of the file, got the value 42' }],
  ])('reports a top level that is %s with one error at 1:1', (_, text, expected) => {
    const errors = errorsOf(text);
    expect(errors.map(summary)).toEqual([expect.objectContaining(expected)]);
    expect(errors[0]?.hint).toContain('name: my-system');
  });
});

describe('parseSpec YAML syntax errors', () => {
  it.each<[string, string, Expected[]]>([
    [
      'a duplicate key',
      yaml('name: shop', 'services:', '  web:', '    start: a', '    start: b'),
      [
        {
          code: 'SKIFF_SPEC_YAML_SYNTAX',
          path: 'services.web.start',
          at: '5:5',
          message: 'duplicate key "start": a key may appear only once in a mapping',
          hint: 'keep one of them: the first "start" is at line 4, column 5',
        },
      ],
    ],
    [
      'a misaligned key',
      yaml('name: shop', 'services:', '  web:', '    start: a', '   instances: 2'),
      [{ code: 'SKIFF_SPEC_YAML_SYNTAX', at: '5:1', hint: 'indent with spaces so that the items of one mapping or list start in the same column' }],
    ],
    ['a tab as indentation', yaml('name: shop', 'services:', '\tweb: {}'), [{ code: 'SKIFF_SPEC_YAML_SYNTAX', at: '3:1', hint: 'indent with spaces, not tabs' }]],
    ['an unclosed flow list', yaml('name: shop', 'services: [web', 'x: 1'), [{ code: 'SKIFF_SPEC_YAML_SYNTAX', at: '3:1' }]],
    [
      'two documents',
      yaml('name: shop', '---', 'name: other'),
      [{ code: 'SKIFF_SPEC_YAML_SYNTAX', at: '2:1', hint: 'keep one document in the file: remove the extra `---` line' }],
    ],
    [
      'an alias without its anchor',
      yaml('name: shop', 'services:', '  web: *missing'),
      [
        {
          code: 'SKIFF_SPEC_YAML_SYNTAX',
          at: '3:8',
          message: 'the alias *missing refers to no anchor',
          hint: 'define the anchor &missing on a value above this line, or remove the alias',
        },
      ],
    ],
  ])('reports %s', (_, text, expected) => {
    const errors = errorsOf(text).map(summary);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject(expected[0] as Expected);
    for (const error of errors) expect(error.code).toBe('SKIFF_SPEC_YAML_SYNTAX');
  });

  it('reports all syntax errors, not just the first', () => {
    const errors = errorsOf(yaml('a: 1', 'a: 2', 'b:', '  c: 1', '  c: 2'));
    expect(errors.map((e) => `${e.position?.line}:${e.position?.column} ${e.path}`)).toEqual(['2:1 a', '5:3 b.c']);
  });

  it('stops a file that expands aliases without end', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const errors = errorsOf(yaml(...lines));
    expect(errors).toHaveLength(1);
    // Line 6 is `f: &f [*e, *e, …]`: the second *e takes the expanded size past the limit.
    expect(errors[0]).toMatchObject({ code: 'SKIFF_SPEC_LIMIT_EXCEEDED', position: { file, line: 6, column: 12 } });
    expect(errors[0]?.message).toContain('"expandedNodes"');
  });
});
