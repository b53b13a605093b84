import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { parseSpec } from './parse.js';
import { specLimits } from './parse-limits.js';

const file = 'skiff.yaml';
const head = 'name: shop\nservices:\n  web:\n    start: node a.js\n    env:\n';

function errorsOf(text: string): ErrorDetail[] {
  const result = parseSpec(text, file);
  if (result.ok) throw new Error('expected the spec to be refused');
  return result.errors;
}

/** CPU milliseconds `work` takes: unlike wall time, it does not grow when other processes share the cores. */
function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function envKeys(count: number, line: (i: number) => string): string {
  return head + Array.from({ length: count }, (_, i) => line(i)).join('\n') + '\n';
}

describe('parseSpec limits', () => {
  it('refuses a file over the size limit before reading it, naming the limit', () => {
    const text = envKeys(40_000, (i) => `      K${i}: v${i}`);
    expect(text.length).toBeGreaterThan(specLimits.bytes);
    const errors = errorsOf(text);
    expect(errors).toEqual([expect.objectContaining({ code: 'SKIFF_SPEC_LIMIT_EXCEEDED', hint: expect.any(String) })]);
    expect(errors[0]?.message).toContain('"bytes"');
    expect(errors[0]?.position?.line).toBeGreaterThan(5);
  });

  it('refuses nesting deeper than the limit at the bracket that crosses it', () => {
    const errors = errorsOf(`name: shop\nx: ${'['.repeat(100_000)}\n`);
    expect(errors).toEqual([expect.objectContaining({ code: 'SKIFF_SPEC_LIMIT_EXCEEDED', position: { file, line: 2, column: 4 + specLimits.nesting } })]);
    expect(errors[0]?.message).toContain('"nesting"');
  });

  it('refuses block nesting deeper than the limit', () => {
    const lines = Array.from({ length: specLimits.nesting + 5 }, (_, i) => `${' '.repeat(i)}k${i}:`);
    const errors = errorsOf(`${lines.join('\n')} x\n`);
    expect(errors[0]).toMatchObject({ code: 'SKIFF_SPEC_LIMIT_EXCEEDED', position: { line: specLimits.nesting + 1, column: specLimits.nesting + 1 } });
  });

  it('refuses more nodes than the limit', () => {
    const errors = errorsOf(`${head}      K: [${'1,'.repeat(specLimits.nodes)}1]\n`);
    expect(errors[0]?.message).toContain('"nodes"');
  });

  it('refuses more aliases than the limit, at the first alias past it', () => {
    const errors = errorsOf(`${head}      A: &a x\n      B: [${Array(specLimits.aliases + 1).fill('*a').join(',')}]\n`);
    expect(errors).toEqual([expect.objectContaining({ code: 'SKIFF_SPEC_LIMIT_EXCEEDED', position: { file, line: 7, column: 11 + 3 * specLimits.aliases } })]);
    expect(errors[0]?.message).toContain('"aliases"');
  });

  it('refuses an alias inside the value it names', () => {
    const errors = errorsOf('name: shop\nservices: &s\n  web:\n    start: node a.js\n    env: *s\n');
    expect(errors).toEqual([expect.objectContaining({ code: 'SKIFF_SPEC_YAML_SYNTAX', position: { file, line: 5, column: 10 } })]);
    expect(errors[0]?.message).toContain('*s');
  });

  it('still reads a spec that uses anchors, aliases and merge keys', () => {
    const text = 'name: shop\nservices:\n  web: &web\n    start: node a.js\n    env: &env { A: "1" }\n  api:\n    <<: *web\n    env: *env\n';
    const result = parseSpec(text, file);
    expect(result.ok && result.spec.services.api?.env).toEqual({ A: '1' });
  });
});

// These bound catastrophic time only (the two inputs took 36 s and 40 s of CPU before the
// parser was bounded and linear); the bound is generous so that a slow machine does not fail them.
describe('parseSpec on pathological inputs answers in bounded time', () => {
  const boundMs = 3000;

  it('16,000 aliases in 48 KB are refused with the alias limit', () => {
    const text = `${head}      A: &a x\n      B: [${Array(16_000).fill('*a').join(',')}]\n`;
    let errors: ErrorDetail[] = [];
    expect(cpuMs(() => (errors = errorsOf(text)))).toBeLessThan(boundMs);
    expect(errors[0]?.code).toBe('SKIFF_SPEC_LIMIT_EXCEEDED');
  });

  it('40,000 env keys written compactly are read, and a duplicate among them is found', () => {
    const text = `${head}      {${Array.from({ length: 40_000 }, (_, i) => `K${i}: v`).join(', ')}}\n`.replace('    env:\n      {', '    env: {');
    let result = parseSpec('', file);
    expect(cpuMs(() => (result = parseSpec(text, file)))).toBeLessThan(boundMs);
    expect(result.ok).toBe(true);
    let errors: ErrorDetail[] = [];
    expect(cpuMs(() => (errors = errorsOf(text.replace('K39999:', 'K7:'))))).toBeLessThan(boundMs);
    expect(errors).toEqual([expect.objectContaining({ code: 'SKIFF_SPEC_YAML_SYNTAX', path: 'services.web.env.K7' })]);
  });

  it('40,000 invalid env values are all reported without a walk of the file per error', () => {
    const text = `${head}      {${Array.from({ length: 40_000 }, (_, i) => `K${i}: [x]`).join(', ')}}\n`.replace('    env:\n      {', '    env: {');
    let errors: ErrorDetail[] = [];
    expect(cpuMs(() => (errors = errorsOf(text)))).toBeLessThan(boundMs);
    expect(errors.length).toBeGreaterThan(0);
  });
});
