import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidSpecText, validSpecText } from '../api/testing/spec-fixtures.js';
import { cliHarness } from './testing/run-cli.js';

let dir: string;
// No server runs: the API URL points at a closed port, and validate must not need it.
const cli = cliHarness({ apiUrl: 'http://127.0.0.1:65530' });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-validate-'));
  fs.mkdirSync(path.join(dir, 'shop'));
  fs.writeFileSync(path.join(dir, 'shop', 'skiff.yaml'), validSpecText);
  fs.writeFileSync(path.join(dir, 'broken.yaml'), invalidSpecText);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('skiff validate', () => {
  it('accepts a good file and summarises it', async () => {
    const result = await cli.run(['validate', 'shop/skiff.yaml'], { cwd: dir });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('shop/skiff.yaml is valid: 2 services (catalog, web), 2 environments (dev, prod)\n');
  });

  it('reads skiff.yaml from a directory, and ./skiff.yaml by default', async () => {
    expect((await cli.run(['validate', 'shop'], { cwd: dir })).stdout).toContain('shop/skiff.yaml is valid');
    expect((await cli.run(['validate'], { cwd: path.join(dir, 'shop') })).stdout).toContain('skiff.yaml is valid');
  });

  it('prints every error with file:line:column and path, and exits 1', async () => {
    const result = await cli.run(['validate', 'broken.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^broken\.yaml:5:\d+ services\.catalog\.instances: .+ \[SKIFF_SPEC_[A-Z_]+\]$/m);
    expect(result.stderr).toMatch(/^broken\.yaml:8:\d+ services\.web\.replicas: .+ \[SKIFF_SPEC_UNKNOWN_KEY\]$/m);
    expect(result.stderr).toMatch(/broken\.yaml is invalid: 2 errors\n$/);
  });

  it('reports a missing file with a hint', async () => {
    const result = await cli.run(['validate', 'nope.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot read nope\.yaml: ENOENT \[SKIFF_SPEC_FILE_NOT_FOUND\]\n {2}hint: /);
    expect(result.stderr).not.toContain('    at ');
  });

  it('shows autoscale errors with file:line:column: min above max, instances beside autoscale', async () => {
    const text = [
      'name: shop',
      'services:',
      '  api:',
      '    start: node server.js',
      '    instances: 2',
      '    autoscale:',
      '      min: 5',
      '      max: 2',
      '      target: { concurrency: 5 }',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'autoscale.yaml'), text);
    const result = await cli.run(['validate', 'autoscale.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^autoscale\.yaml:7:7 services\.api\.autoscale: the service sets both instances and autoscale \[SKIFF_SPEC_INVALID_VALUE\]$/m);
    expect(result.stderr).toMatch(/^autoscale\.yaml:7:12 services\.api\.autoscale\.min: min \(5\) is larger than max \(2\) \[SKIFF_SPEC_INVALID_VALUE\]$/m);
  });
});
