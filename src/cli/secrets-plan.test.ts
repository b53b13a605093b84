import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryControlPlane } from '../api/testing/memory-control-plane.js';
import { invalidSpecText, validSpecText } from '../api/testing/spec-fixtures.js';
import { formatPlan, formatValue } from './commands/plan.js';
import { cliHarness, type CliHarness } from './testing/run-cli.js';
import { startTestApi, type TestApi } from './testing/test-api.js';

const value = 'hunter2-s3cr3t-value';

let dir: string;
let controlPlane: MemoryControlPlane;
let api: TestApi;
let cli: CliHarness;
let requested: string[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-secrets-'));
  fs.writeFileSync(path.join(dir, 'skiff.yaml'), validSpecText);
  fs.writeFileSync(path.join(dir, 'broken.yaml'), invalidSpecText);
  fs.writeFileSync(
    path.join(dir, 'next.yaml'),
    validSpecText.replace('instances: 2', 'instances: 4\n    env:\n      LOG_LEVEL: debug').replace('  web:\n    start: [node, web.js]\n', ''),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  api = await startTestApi(controlPlane);
  requested = [];
  const recordingFetch: typeof fetch = (input, init) => {
    requested.push(`${init?.method ?? 'GET'} ${String(input)}`);
    return fetch(input, init);
  };
  cli = cliHarness({ apiUrl: api.url, token: api.access.token('tester'), cwd: dir, fetch: recordingFetch });
  expect((await cli.run(['apply'])).code).toBe(0);
});
afterEach(() => api.close());

const stdin = (text: string) => Readable.from([Buffer.from(text)]);

describe('skiff secret', () => {
  it('sets, lists and removes secrets without ever printing a value', async () => {
    const outputs: string[] = [];
    const set = await cli.run(['secret', 'set', 'catalog', `API_KEY=${value}`, `DB_URL=postgres://u:${value}@db/x`]);
    outputs.push(set.stdout, set.stderr);
    expect(set).toMatchObject({ code: 0, stdout: 'set API_KEY, DB_URL of catalog in dev\ncatalog does not run in dev: its next release will use them\n' });
    expect(controlPlane.secretBook.value('dev', 'catalog', 'DB_URL')).toBe(`postgres://u:${value}@db/x`);

    await cli.run(['deploy', 'catalog', (await controlPlane.build({ service: 'catalog', author: 't' })).digest, 'prod']);
    const piped = await cli.run(['secret', 'set', 'catalog', 'TOKEN', '--stdin', '--env', 'prod'], { stdin: stdin(`${value}\n`) });
    outputs.push(piped.stdout, piped.stderr);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^set TOKEN of catalog in prod\nnew release catalog v2 \(sha256:[0-9a-f]{12}\) in prod\n$/);
    // The newline `echo` adds is not part of the value.
    expect(controlPlane.secretBook.value('prod', 'catalog', 'TOKEN')).toBe(value);

    const list = await cli.run(['secret', 'list', 'catalog']);
    outputs.push(list.stdout);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +VERSION +AUTHOR +UPDATED \(UTC\)$/);
    expect(lines[1]).toMatch(/^API_KEY +v1 +tester +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(lines[2]).toMatch(/^DB_URL +v1 +tester /);
    const json = await cli.run(['secret', 'list', 'catalog', '--env', 'prod', '--json']);
    outputs.push(json.stdout);
    expect(JSON.parse(json.stdout)).toEqual([{ name: 'TOKEN', version: 1, updatedAt: expect.any(String), author: 'tester' }]);

    const unset = await cli.run(['secret', 'unset', 'catalog', 'TOKEN', '--env', 'prod']);
    outputs.push(unset.stdout, unset.stderr);
    expect(unset.stdout).toMatch(/^removed TOKEN of catalog in prod\nnew release catalog v3 /);
    expect((await cli.run(['secret', 'list', 'catalog', '-e', 'prod'])).stdout).toBe(
      'catalog has no secrets in prod: set one with `skiff secret set catalog NAME --stdin --env prod`\n',
    );
    for (const output of outputs) expect(output).not.toContain('hunter2');
  });

  it('refuses malformed arguments before calling the server, naming no value', async () => {
    requested = [];
    const cases: [string[], string][] = [
      [['secret', 'set', 'catalog', `1KEY=${value}`], 'argument 2 does not start with a secret name'],
      [['secret', 'set', 'catalog', `A=1`, `bad-name=${value}`], 'argument 3 does not start with a secret name'],
      [['secret', 'set', 'catalog', 'API_KEY'], 'API_KEY has no value'],
      [['secret', 'set', 'catalog', `A=${value}`, `A=${value}`], 'A is given twice'],
      [['secret', 'set', 'catalog', `A=${value}`, '--stdin'], 'with --stdin give exactly one NAME and no value'],
    ];
    for (const [args, message] of cases) {
      const result = await cli.run(args, { stdin: stdin(value) });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`error: ${message} [SKIFF_BAD_REQUEST]`);
      expect(result.stderr + result.stdout).not.toContain('hunter2');
    }
    expect(requested).toEqual([]);
  });

  it('reports an unknown secret and an unknown service from the server', async () => {
    const missing = await cli.run(['secret', 'unset', 'catalog', 'NOPE']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: catalog has no secret NOPE in dev [SKIFF_NOT_FOUND]');
    expect((await cli.run(['secret', 'list', 'nope'])).stderr).toContain('[SKIFF_UNKNOWN_SERVICE]');
  });
});

describe('skiff plan', () => {
  it('prints what an apply would change per environment and service, and changes nothing', async () => {
    const result = await cli.run(['plan', 'next.yaml']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'dev:',
        '  ~ catalog (new release)',
        '      instances: 2 → 4',
        '      env.LOG_LEVEL: (none) → "debug"',
        '  - web',
        'prod:',
        '  ~ catalog (new release)',
        '      env.LOG_LEVEL: (none) → "debug"',
        '  - web',
        'plan: 0 to add, 2 to update, 2 to remove (`skiff apply` makes these changes)',
        '',
      ].join('\n'),
    );
    expect(controlPlane.revisionList).toHaveLength(1);
    expect(requested.at(-1)).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/plan$/);
  });

  it('says "no changes" for the applied spec, and prints errors like validate for an invalid one', async () => {
    expect(await cli.run(['plan'])).toMatchObject({ code: 0, stdout: 'no changes: skiff.yaml matches what is applied\n' });
    const invalid = await cli.run(['plan', 'broken.yaml']);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/^broken\.yaml:\d+:\d+ services\.catalog\.instances: .+ \[SKIFF_SPEC_[A-Z_]+\]$/m);
    expect(invalid.stderr).toMatch(/broken\.yaml is invalid: \d+ errors?\n$/);
  });

  it('formats additions with their values and values by type', () => {
    const lines = formatPlan([
      {
        environment: 'dev',
        service: 'worker',
        change: 'add',
        fields: [
          { field: 'start', from: null, to: ['node', 'worker.js'] },
          { field: 'readiness', from: null, to: null },
          { field: 'env.MODE', from: null, to: '' },
        ],
        newRelease: true,
      },
    ]);
    expect(lines).toEqual([
      'dev:',
      '  + worker (new release)',
      '      start: ["node","worker.js"]',
      '      env.MODE: ""',
      'plan: 1 to add, 0 to update, 0 to remove (`skiff apply` makes these changes)',
    ]);
    expect([null, undefined, 3, true, 'a b', { x: 1 }].map(formatValue)).toEqual(['(none)', '(none)', '3', 'true', '"a b"', '{"x":1}']);
  });
});

describe('skiff history --env and skiff restore', () => {
  it('passes the environment to the server and lists only the revisions that changed it', async () => {
    await cli.run(['scale', 'web=2', '--env', 'prod']);
    const result = await cli.run(['history', '--env', 'dev', '--limit', '5']);
    expect(requested.at(-1)).toMatch(/\/api\/v1\/revisions\?limit=5&environment=dev$/);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^1 /);
    expect((await cli.run(['history', '-e', 'prod'])).stdout).toMatch(/\n2 .* scale web=2\n/);
  });

  it('restores to a revision and prints the new revision and the restored releases', async () => {
    const digest = (await controlPlane.build({ service: 'catalog', author: 't' })).digest;
    await cli.run(['deploy', 'catalog', digest, 'dev']);
    await cli.run(['deploy', 'catalog', (await controlPlane.build({ service: 'catalog', author: 't' })).digest, 'dev']);
    const result = await cli.run(['restore', 'dev', '--to', '2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('restoring dev to revision 2…\n');
    expect(result.stdout).toMatch(
      new RegExp(`^restored dev to revision 2 \\(\\S+ \\S+, tester: deploy catalog v1 to dev\\) as revision 4\\n {2}catalog v3 \\(${digest.slice(0, 19)}\\)\\n$`),
    );
    const byTime = await cli.run(['restore', 'dev', '--to', '2999-01-01T00:00:00+01:00']);
    expect(byTime.stderr).toBe('restoring dev to the last revision at or before 2998-12-31T23:00:00.000Z…\n');
    expect(byTime.stdout).toMatch(/as revision 5\nevery service already ran the release it had then\n$/);
  });

  it('rejects a malformed target or a missing --to before calling the server', async () => {
    requested = [];
    for (const to of ['yesterday', '2026-11-26', '2026-11-26T10:00:00', '0']) {
      const result = await cli.run(['restore', 'dev', '--to', to]);
      expect(result.code, to).toBe(1);
      expect(result.stderr).toContain(`option '--to <revision|time>' argument '${to}' is invalid`);
    }
    expect((await cli.run(['restore', 'dev', '--to', '2026-11-26T10:00:00'])).stderr).toContain('add the zone, e.g. Z for UTC');
    const missing = await cli.run(['restore', 'dev']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--to <revision|time>' not specified");
    expect(requested).toEqual([]);
    const unknown = await cli.run(['restore', 'dev', '--to', '42']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: no revision 42 [SKIFF_NOT_FOUND]');
    expect(unknown.stderr).toContain('hint: list them with: skiff history --env dev');
  });
});
