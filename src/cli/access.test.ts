import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryControlPlane } from '../api/testing/memory-control-plane.js';
import { validSpecText } from '../api/testing/spec-fixtures.js';
import { loadCliConfig } from '../config/cli-config.js';
import { cliHarness, type CliHarness } from './testing/run-cli.js';
import { startTestApi, type TestApi } from './testing/test-api.js';

let dir: string;
let controlPlane: MemoryControlPlane;
let api: TestApi;
/** As the admin "root". */
let cli: CliHarness;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-access-'));
  fs.writeFileSync(path.join(dir, 'skiff.yaml'), validSpecText);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  api = await startTestApi(controlPlane);
  cli = cliHarness({ apiUrl: api.url, token: api.access.token('root'), cwd: dir, clock: { now: () => Date.now() } });
  expect((await cli.run(['apply'])).code).toBe(0);
});
afterEach(() => api.close());

describe('skiff token', () => {
  it('creates a token printed once on stdout, lists tokens without secrets, and revokes', async () => {
    const created = await cli.run(['token', 'create', 'ci', '--role', 'deployer', '--env', 'dev', '--env', 'prod']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^skiff_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('created token ci (deployer: dev, prod); it is shown this once');

    const list = await cli.run(['token', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME +ROLE +CREATED BY +CREATED \(UTC\) +LAST USED \(UTC\)$/);
    expect(list.stdout).toMatch(/^ci +deployer: dev, prod +root /m);
    expect(list.stdout).not.toContain(token.slice(19));

    const asCi = cliHarness({ apiUrl: api.url, token, cwd: dir });
    expect((await asCi.run(['scale', 'web=2', '--env', 'prod'])).code).toBe(0);
    expect(controlPlane.revisionList.at(-1)).toMatchObject({ author: 'ci' });

    expect(await cli.run(['token', 'revoke', 'ci'])).toMatchObject({ code: 0, stdout: 'revoked token ci\n' });
    const refused = await asCi.run(['status']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused the token in SKIFF_TOKEN');
    expect((await cli.run(['token', 'revoke', 'ci'])).stderr).toContain('[SKIFF_TOKEN_NOT_FOUND]');
  });

  it('refuses bad input with a clear error and creates nothing', async () => {
    const badRole = await cli.run(['token', 'create', 'x', '--role', 'owner']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('must be one of flags, viewer, deployer, admin');
    const viewerEnv = await cli.run(['token', 'create', 'x', '--role', 'viewer', '--env', 'dev']);
    expect(viewerEnv.code).toBe(1);
    expect(viewerEnv.stderr).toContain('body.environments: only a deployer token is limited to environments');
    const unknownEnv = await cli.run(['token', 'create', 'x', '--role', 'deployer', '--env', 'moon']);
    expect(unknownEnv.stderr).toContain('there is no environment "moon"');
    expect(unknownEnv.stderr).toContain('hint: environments: dev, prod');
    const badName = await cli.run(['token', 'create', 'two words', '--role', 'viewer']);
    expect(badName.stderr).toContain('body.name: a token name is letters, digits');
    const taken = await cli.run(['token', 'create', 'root', '--role', 'viewer']);
    expect(taken.stderr).toContain('a token named "root" exists [SKIFF_TOKEN_NAME_TAKEN]');
    expect(api.access.tokens.list().map((t) => t.name)).toEqual(['root']);
  });

  it('is for admins only: a deployer is told which role it needs', async () => {
    const deployer = cliHarness({ apiUrl: api.url, token: api.access.token('dee', 'deployer'), cwd: dir });
    const result = await deployer.run(['token', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: GET /api/v1/tokens needs the admin role; dee is a deployer (every environment) [SKIFF_FORBIDDEN]');
  });
});

describe('skiff audit', () => {
  it('lists changes and refused calls, newest first, filtered by who', async () => {
    const viewer = cliHarness({ apiUrl: api.url, token: api.access.token('vic', 'viewer'), cwd: dir });
    expect((await viewer.run(['scale', 'web=3'])).code).toBe(1);
    expect((await cli.run(['scale', 'web=2'])).code).toBe(0);
    const all = await cli.run(['audit']);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\) +WHO +FROM +RESULT +COUNT +WHAT$/);
    expect(lines[1]).toMatch(/ root \(admin\) +127\.0\.0\.1 +200 +1 +scale web in dev to 2 instances$/);
    expect(lines[2]).toMatch(/ vic \(viewer\) +127\.0\.0\.1 +403 SKIFF_FORBIDDEN +1 +scale web in dev to 3 instances$/);
    expect(lines.at(-1)).toMatch(/ root \(admin\) .* apply skiff\.yaml$/);

    const onlyVic = await cli.run(['audit', '--who', 'vic', '--since', '10m', '--json']);
    expect(JSON.parse(onlyVic.stdout)).toMatchObject([{ actor: 'vic', status: 403, route: '/api/v1/environments/:env/services/:service/scale' }]);
    expect((await cli.run(['audit', '--since', 'yesterday'])).stderr).toContain('is neither a duration');
  });
});

describe('a refused token on the command line', () => {
  it('says where it looked when there is no token', async () => {
    const anonymous = cliHarness({ apiUrl: api.url, cwd: dir });
    const result = await anonymous.run(['status']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('needs a token and none was found: SKIFF_TOKEN is not set and there is no /nowhere/.skiff/token');
    expect(result.stderr).toContain('hint: run the command in the directory where `skiff up` runs');
  });

  it('names the token file it sent', async () => {
    const dataDir = path.join(dir, 'old-data');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'token'), 'skiff_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n');
    const config = loadCliConfig({ SKIFF_API: api.url, SKIFF_DATA: dataDir }, dir);
    const result = await cliHarness({ cwd: dir }).run(['status'], { config });
    expect(result.stderr).toContain(`refused the token in ${path.join(dataDir, 'token')}: it is unknown or revoked [SKIFF_UNAUTHORIZED]`);
    expect(result.stderr).toContain('restart `skiff up` to write a fresh one');
  });
});

describe('where the CLI finds its token', () => {
  it('takes SKIFF_TOKEN first, else the token file of SKIFF_DATA, else ./.skiff/token', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-token-'));
    try {
      fs.mkdirSync(path.join(work, '.skiff'));
      fs.writeFileSync(path.join(work, '.skiff', 'token'), 'from-default\n');
      fs.mkdirSync(path.join(work, 'data'));
      fs.writeFileSync(path.join(work, 'data', 'token'), 'from-data\n');
      expect(loadCliConfig({ SKIFF_TOKEN: 'from-env', SKIFF_DATA: 'data' }, work)).toMatchObject({ token: 'from-env', tokenSource: { kind: 'env' } });
      expect(loadCliConfig({ SKIFF_DATA: 'data' }, work)).toMatchObject({
        token: 'from-data',
        tokenSource: { kind: 'file', file: path.join(work, 'data', 'token') },
      });
      expect(loadCliConfig({}, work)).toMatchObject({ token: 'from-default', tokenSource: { kind: 'file', file: path.join(work, '.skiff', 'token') } });
      expect(loadCliConfig({}, path.join(work, 'data'))).toMatchObject({ token: undefined, tokenSource: { kind: 'none' } });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
