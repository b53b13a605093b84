import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryControlPlane } from '../api/testing/memory-control-plane.js';
import { validSpecText } from '../api/testing/spec-fixtures.js';
import { formatBuildFailure } from './commands/build.js';
import { formatBytes } from './output.js';
import { cliHarness, type CliHarness } from './testing/run-cli.js';
import { startTestApi, type TestApi } from './testing/test-api.js';

let dir: string;
let controlPlane: MemoryControlPlane;
let api: TestApi;
let cli: CliHarness;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-releases-'));
  fs.writeFileSync(path.join(dir, 'skiff.yaml'), validSpecText);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  api = await startTestApi(controlPlane);
  cli = cliHarness({ apiUrl: api.url, token: api.access.token('tester'), cwd: dir });
  expect((await cli.run(['apply'])).code).toBe(0);
});
afterEach(() => api.close());

const built = async (service = 'catalog'): Promise<string> => {
  const result = await cli.run(['build', service]);
  expect(result.code).toBe(0);
  return /sha256:[0-9a-f]{64}/.exec(result.stdout)?.[0] ?? '';
};
const short = (digest: string): string => digest.slice(0, 19);

describe('skiff build and artifacts', () => {
  it('shows progress while building, then the digest and size', async () => {
    const result = await cli.run(['build', 'catalog']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('building catalog…\n');
    expect(result.stdout).toMatch(/^built catalog: sha256:[0-9a-f]{64} \(1\.5 KiB\)\n$/);
  });

  it('exits 1 and shows the build output when the build fails', async () => {
    controlPlane.book.failNextBuild('> tsc\nsrc/index.ts(3,1): error TS2304: Cannot find name "x".\n');
    const result = await cli.run(['build', 'catalog']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      'building catalog…\n' +
        'error: the build command of catalog exited with code 2 [SKIFF_BUILD_FAILED]\n' +
        '  | > tsc\n' +
        '  | src/index.ts(3,1): error TS2304: Cannot find name "x".\n' +
        '  hint: fix the build and run: skiff build catalog\n',
    );
  });

  it('lists artifacts newest first as a table or JSON', async () => {
    expect((await cli.run(['artifacts', 'catalog'])).stdout).toBe('no artifacts of catalog yet: run `skiff build catalog`\n');
    const first = await built();
    controlPlane.book.addArtifact({ service: 'catalog', digest: `sha256:${'ab'.repeat(32)}`, size: 3 * 1024 * 1024, sourceCommit: 'c0ffee'.repeat(7).slice(0, 40) });
    const result = await cli.run(['artifacts', 'catalog']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^DIGEST {15}SIZE {5}CREATED {14}COMMIT$/);
    expect(lines[1]).toMatch(/^sha256:abababababab  3\.0 MiB  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  c0ffeec0ffee$/);
    expect(lines[2]).toMatch(new RegExp(`^${short(first)}  1\\.5 KiB  .*  -$`));

    const json = JSON.parse((await cli.run(['artifacts', 'catalog', '--json'])).stdout);
    expect(json.map((a: { digest: string }) => a.digest)).toEqual([`sha256:${'ab'.repeat(32)}`, first]);
  });

  it('reports an unknown service', async () => {
    const result = await cli.run(['artifacts', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: no service "nope" [SKIFF_UNKNOWN_SERVICE]\n  hint: services: catalog, web\n');
  });
});

describe('skiff deploy and releases', () => {
  it('deploys by prefix and by latest, and lists the history with the running one marked', async () => {
    const first = await built();
    const second = await built();
    const one = await cli.run(['deploy', 'catalog', first.slice(7, 15), 'dev']);
    expect(one).toMatchObject({ code: 0, stdout: `deployed catalog v1 (${short(first)}) to dev\n` });
    expect(one.stderr).toBe(`deploying catalog ${first.slice(7, 15)} to dev…\n`);
    expect((await cli.run(['deploy', 'catalog', 'latest', 'dev'])).stdout).toBe(`deployed catalog v2 (${short(second)}) to dev\n`);

    const lines = (await cli.run(['releases', 'catalog', 'dev'])).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {2}VERSION {2}ARTIFACT {13}CONFIG {8}AUTHOR {2}CREATED {14}REASON$/);
    expect(lines[1]).toMatch(new RegExp(`^\\* v2 {7}${short(second)}  [0-9a-f]{12}  tester  \\S+ \\S+  deploy$`));
    expect(lines[2]).toMatch(new RegExp(`^ {2}v1 {7}${short(first)}  `));

    const json = JSON.parse((await cli.run(['releases', 'catalog', 'dev', '--json'])).stdout);
    expect(json.map((r: { version: string; current: boolean }) => [r.version, r.current])).toEqual([
      ['v2', true],
      ['v1', false],
    ]);
  });

  it('says when nothing is released yet', async () => {
    expect((await cli.run(['releases', 'web', 'prod'])).stdout).toBe('web has no releases in prod yet: run `skiff deploy web latest prod`\n');
  });

  it('exits 1 with the code for a version that matches nothing and changes nothing', async () => {
    await built();
    const result = await cli.run(['deploy', 'catalog', 'sha256:0123456789', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: service catalog has no artifact sha256:0123456789 [SKIFF_ARTIFACT_NOT_FOUND]');
    expect(result.stderr).toContain('hint: list its artifacts with: skiff artifacts catalog');
    expect(controlPlane.releases('dev', 'catalog')).toEqual([]);
  });

  it('refuses a tampered artifact', async () => {
    const digest = await built();
    controlPlane.book.tamper(digest);
    const result = await cli.run(['deploy', 'catalog', digest, 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[SKIFF_ARTIFACT_DIGEST_MISMATCH]');
  });
});

describe('skiff rollback and promote', () => {
  it('rolls back to the previous release, or to the one given', async () => {
    const first = await built();
    await cli.run(['deploy', 'catalog', first, 'dev']);
    const second = await built();
    await cli.run(['deploy', 'catalog', second, 'dev']);

    const back = await cli.run(['rollback', 'catalog', 'dev']);
    expect(back).toMatchObject({ code: 0, stdout: `rolled back catalog in dev to the previous release: now v3 (${short(first)})\n` });
    const to = await cli.run(['rollback', 'catalog', 'dev', '--to', '2']);
    expect(to.stdout).toBe(`rolled back catalog in dev to v2: now v4 (${short(second)})\n`);
    expect(controlPlane.releases('dev', 'catalog').map((r) => r.reason)).toEqual(['rollback', 'rollback', 'deploy', 'deploy']);
  });

  it('rejects a malformed --to before calling the server, and reports an unknown release', async () => {
    await cli.run(['deploy', 'catalog', await built(), 'dev']);
    const malformed = await cli.run(['rollback', 'catalog', 'dev', '--to', 'previous']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("option '--to <version>' argument 'previous' is invalid");
    const unknown = await cli.run(['rollback', 'catalog', 'dev', '--to', 'v7']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: catalog in dev has no release v7 [SKIFF_RELEASE_NOT_FOUND]');
  });

  it('promotes the running artifact without a build', async () => {
    const digest = await built();
    await cli.run(['deploy', 'catalog', digest, 'dev']);
    await built();
    const result = await cli.run(['promote', 'catalog', 'dev', 'prod']);
    expect(result).toMatchObject({ code: 0, stdout: `promoted catalog ${short(digest)} from dev to prod: v1\n` });
    expect(controlPlane.releases('prod', 'catalog')[0]).toMatchObject({ artifact: digest, reason: 'promote', author: 'tester' });
    expect(await controlPlane.artifacts('catalog')).toHaveLength(2);
  });

  it('exits 1 when the source environment does not run the service', async () => {
    const result = await cli.run(['promote', 'web', 'dev', 'prod']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: web has no release in dev [SKIFF_NOT_DEPLOYED]');
    expect(result.stderr).toContain('hint: deploy it first: skiff deploy web latest dev');
  });
});

describe('formatting', () => {
  it('formats sizes in binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 2, 3 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.0 GiB']);
  });

  it('shows a build failure whether its output is in the message or the details', () => {
    expect(formatBuildFailure('build failed: exit 1\nline a\n', [], undefined)).toEqual([
      'error: build failed: exit 1 [SKIFF_BUILD_FAILED]',
      '  | line a',
    ]);
    expect(formatBuildFailure('build failed', ['x\n\ny'], 'h')).toEqual([
      'error: build failed [SKIFF_BUILD_FAILED]',
      '  | x',
      '  |',
      '  | y',
      '  hint: h',
    ]);
  });
});
