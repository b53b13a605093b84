import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { MemoryControlPlane } from '../api/testing/memory-control-plane.js';
import { invalidSpecText, validSpecText } from '../api/testing/spec-fixtures.js';
import { cliHarness, type CliHarness } from './testing/run-cli.js';
import { startTestApi, type TestApi } from './testing/test-api.js';

let dir: string;
let controlPlane: MemoryControlPlane;
let api: TestApi;
let cli: CliHarness;
/** The admin token "tester", the author of every change these tests make. */
let token: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-'));
  fs.writeFileSync(path.join(dir, 'skiff.yaml'), validSpecText);
  fs.writeFileSync(path.join(dir, 'broken.yaml'), invalidSpecText);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  controlPlane = new MemoryControlPlane({
    limits: { enforced: false, reason: 'cgroup v2 controllers are not delegated' },
    onShutdown: () => api.app.close(),
  });
  api = await startTestApi(controlPlane);
  token = api.access.token('tester');
  cli = cliHarness({ apiUrl: api.url, token, cwd: dir, clock: { now: () => Date.parse('1970-01-01T00:05:00Z') } });
});
afterEach(() => api.close());

const applied = async (): Promise<void> => {
  expect((await cli.run(['apply'])).code).toBe(0);
};

describe('skiff apply', () => {
  it('refuses a spec over the API body limit saying so, instead of blaming the connection', async () => {
    const padding = `# ${'x'.repeat(1000)}\n`.repeat(5 * 1024);
    fs.writeFileSync(path.join(dir, 'huge.yaml'), `${validSpecText}\n${padding}`);
    const result = await cli.run(['apply', 'huge.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SKIFF_SPEC_TOO_LARGE');
    expect(result.stderr).toContain('huge.yaml');
    expect(result.stderr).toContain('4 MiB');
    expect(result.stderr).not.toContain('skiff up');
  });

  it('sends the spec with its directory and author, and says whether anything changed', async () => {
    const first = await cli.run(['apply', 'skiff.yaml', '-m', 'first try']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^applied skiff\.yaml as revision 1 \([0-9a-f]+\) to dev, prod\n$/);
    expect(controlPlane.revisionList[0]).toMatchObject({ author: 'tester', message: 'first try' });

    const again = await cli.run(['apply']);
    expect(again.stdout).toBe('no changes: skiff.yaml is the same as revision 1\n');
  });

  it('prints each spec error like validate and exits 1', async () => {
    const result = await cli.run(['apply', 'broken.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: broken\.yaml is invalid \[SKIFF_SPEC_INVALID\]\n/);
    expect(result.stderr).toMatch(/^ {2}broken\.yaml:\d+:\d+ services\.catalog\.instances: .+ \[SKIFF_SPEC_INVALID_VALUE\]$/m);
    expect(result.stderr).not.toContain('    at ');
    expect(controlPlane.revisionList).toHaveLength(0);
  });
});

describe('skiff status', () => {
  it('prints services, instances and the limits warning', async () => {
    await applied();
    const result = await cli.run(['status', '--env', 'prod']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('environment prod · revision 1 by tester · router http://127.0.0.1:8080');
    expect(lines).toContain('resource limits: not enforced (cgroup v2 controllers are not delegated)');
    expect(lines).toContain('SERVICE  DESIRED  READY  RELEASE');
    expect(lines).toContain('catalog  3        3      v1');
    expect(lines).toContain('INSTANCE   SERVICE  RELEASE  STATE  PID    PORT   RESTARTS  AGE');
    expect(lines).toContain('catalog-3  catalog  v1       ready  10002  40002  0         5m');
    expect(lines.filter((line) => /^(catalog|web)-\d/.test(line))).toHaveLength(4);
  });

  it('prints JSON with every instance field scripts rely on', async () => {
    await applied();
    const result = await cli.run(['status', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).slice(0, 4)).toEqual(['environment', 'limits', 'services', 'instances']);
    expect(report.environment).toBe('dev');
    expect(report.limits).toEqual({ enforced: false, reason: 'cgroup v2 controllers are not delegated' });
    expect(report.instances).toHaveLength(3);
    for (const instance of report.instances) {
      expect(Object.keys(instance)).toEqual(expect.arrayContaining(['id', 'service', 'environment', 'release', 'state', 'pid', 'port', 'restarts']));
    }
  });

  it('prints the server error with its hint and exits 1', async () => {
    await applied();
    const result = await cli.run(['status', '-e', 'qa']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe('error: no environment "qa" [SKIFF_UNKNOWN_ENVIRONMENT]\n  hint: environments: dev, prod\n');
  });

  it('says how to start a server when none answers', async () => {
    const port = await freePort();
    const result = await cliHarness({ apiUrl: `http://127.0.0.1:${port}` }).run(['status']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: cannot reach the Skiff API at http://127.0.0.1:${port} (ECONNREFUSED) [SKIFF_API_UNREACHABLE]`);
    expect(result.stderr).toContain('hint: is `skiff up` running? set SKIFF_API');
  });
});

describe('skiff logs', () => {
  it('prints recent lines prefixed by the instance id', async () => {
    await applied();
    controlPlane.appendLog('catalog', { instance: 'catalog-1', stream: 'stdout', line: 'listening on 40000' });
    controlPlane.appendLog('catalog', { instance: 'catalog-2', stream: 'stderr', line: 'warming up' });
    const result = await cli.run(['logs', 'catalog']);
    expect(result).toMatchObject({ code: 0, stdout: '10:00:00.000 catalog-1 | listening on 40000\n10:00:00.000 catalog-2 | warming up\n' });
    expect((await cli.run(['logs', 'catalog', '--instance', 'catalog-2', '--tail', '5'])).stdout).toBe('10:00:00.000 catalog-2 | warming up\n');
  });

  it('follows new lines until interrupted', async () => {
    await applied();
    const interrupt = new AbortController();
    const following = cli.run(['logs', 'web', '-f'], { interrupt: interrupt.signal });
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(1);
    controlPlane.appendLog('web', { instance: 'web-1', stream: 'stdout', line: 'GET / 200' });
    await expect.poll(() => cli.live.stdout, { timeout: 5000 }).toMatch(/\n10:00:00\.000 web-1 \| GET \/ 200\n$/);
    interrupt.abort();
    expect((await following).code).toBe(0);
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(0);
  });

  it('rejects a bad --tail before calling the server', async () => {
    const result = await cli.run(['logs', 'web', '--tail', 'lots']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("option '-n, --tail <lines>' argument 'lots' is invalid");
  });
});

describe('skiff scale', () => {
  it('scales each service and prints the new revisions', async () => {
    await applied();
    const result = await cli.run(['scale', 'web=3', 'catalog=0', '--env', 'prod']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('scaled web to 3 in prod: revision 2\nscaled catalog to 0 in prod: revision 3\n');
    const status = JSON.parse((await cli.run(['status', '--json', '--env', 'prod'])).stdout);
    expect(status.services.map((s: { name: string; desired: number }) => [s.name, s.desired])).toEqual([
      ['catalog', 0],
      ['web', 3],
    ]);
  });

  it('rejects a malformed argument and changes nothing', async () => {
    await applied();
    const result = await cli.run(['scale', 'web=2', 'catalog:3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: "catalog:3" is not SERVICE=COUNT [SKIFF_BAD_REQUEST]\n' +
        '  hint: write each as service=count with a count from 0 to 1000, e.g. skiff scale catalog=3\n',
    );
    expect(controlPlane.revisionList).toHaveLength(1);
  });

  it('reports an unknown service from the server', async () => {
    await applied();
    const result = await cli.run(['scale', 'nope=1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[SKIFF_UNKNOWN_SERVICE]');
  });
});

describe('skiff events and history', () => {
  it('lists events, filtered by service', async () => {
    await applied();
    await cli.run(['scale', 'web=2']);
    const all = await cli.run(['events']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\) +TYPE +ENV +SERVICE +INSTANCE +MESSAGE$/);
    expect(lines[1]).toMatch(/spec\.applied +- +- +- +revision 1 applied$/);
    expect(lines[2]).toMatch(/service\.scaled +dev +web +- +scaled to 2$/);
    const web = await cli.run(['events', '--service', 'web', '--limit', '5']);
    expect(web.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('follows events until interrupted', async () => {
    await applied();
    const interrupt = new AbortController();
    const following = cli.run(['events', '-f', '--service', 'web'], { interrupt: interrupt.signal });
    await expect.poll(() => controlPlane.subscribers, { timeout: 5000 }).toBe(1);
    controlPlane.record({ type: 'instance.crashed', service: 'catalog', message: 'not shown' });
    controlPlane.record({ type: 'instance.crashed', service: 'web', instance: 'web-1', message: 'exit code 1' });
    await expect.poll(() => cli.live.stdout, { timeout: 5000 }).toMatch(/instance\.crashed  -  web  web-1  exit code 1\n$/);
    interrupt.abort();
    expect((await following).code).toBe(0);
    expect(cli.live.stdout).not.toContain('not shown');
  });

  it('lists revisions newest first', async () => {
    expect((await cli.run(['history'])).stdout).toBe('no revisions yet: run `skiff apply`\n');
    await applied();
    await cli.run(['scale', 'web=2']);
    const lines = (await cli.run(['history'])).stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REVISION +TIME \(UTC\) +AUTHOR +HASH +COMMIT +MESSAGE$/);
    expect(lines[1]).toMatch(/^2 .* tester .* scale web=2$/);
    expect(lines[2]).toMatch(/^1 .* tester +[0-9a-f]{12} +- +-$/);
  });
});

describe('skiff stop', () => {
  it('stops the server and waits until it no longer answers', async () => {
    const result = await cli.run(['stop']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^stopping Skiff at http:\/\/127\.0\.0\.1:\d+…\n(still stopping.*\n)*stopped\n$/);
    expect(controlPlane.shutdownCalls).toBe(1);
    const again = await cli.run(['stop']);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('nothing to stop');
  });

  it('gives up after its bound when the server keeps answering', async () => {
    controlPlane = new MemoryControlPlane();
    const stubborn = buildApp({ controlPlane, tokens: api.access.tokens, audit: api.access.audit, version: '1.0.0' });
    const apiUrl = await stubborn.listen({ host: '127.0.0.1', port: 0 });
    try {
      const result = await cliHarness({ apiUrl, token, stopTimeoutMs: 300 }).run(['stop']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('still answers after');
    } finally {
      await stubborn.close();
    }
  });
});

describe('the command line itself', () => {
  it('prints the version and rejects unknown commands', async () => {
    expect((await cli.run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const unknown = await cli.run(['teleport']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error: unknown command 'teleport'");
  });
});

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
