/**
 * Config outside the artifact: secrets encrypted at rest and never shown, and restoring an
 * environment to an earlier revision.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoSpec, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

function filesBelow(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesBelow(full);
    return entry.isFile() ? [full] : [];
  });
}

async function greeting(platform: Platform): Promise<string | null> {
  const response = await fetch(`${platform.routerUrl}/echo/`).catch(() => null);
  return response?.ok ? ((await response.json()) as { greeting: string }).greeting : null;
}

describe('config', () => {
  it('gives an instance its secret while the value appears in no response, output or file', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }) });
    await waitForReady(platform, { echo: 1 });
    const secret = `tok-${randomBytes(12).toString('hex')}`;
    const outputs: string[] = [];
    const run = (args: string[]): string => {
      const result = platform!.cli(args);
      outputs.push(result.stdout, result.stderr);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };
    run(['secret', 'set', 'echo', `API_TOKEN=${secret}`]);
    const expectedHash = createHash('sha256').update(secret).digest('hex');
    await waitFor('an instance with the secret', async () => {
      const response = await fetch(`${platform!.routerUrl}/echo/env-hash?name=API_TOKEN`).catch(() => null);
      return response?.ok && ((await response.json()) as { hash: string | null }).hash === expectedHash;
    });
    expect(run(['secret', 'list', 'echo'])).toContain('API_TOKEN');
    run(['status', '--json']);
    run(['releases', 'echo', 'dev', '--json']);
    run(['events', '--limit', '200']);
    run(['history']);
    for (const url of [
      '/api/v1/environments/dev/status',
      '/api/v1/environments/dev/services/echo/releases',
      '/api/v1/environments/dev/services/echo/secrets',
      '/api/v1/events?limit=500',
      '/api/v1/revisions',
    ]) {
      outputs.push(await (await platform.fetch(`${url}`)).text());
    }
    expect(outputs.filter((output) => output.includes(secret))).toEqual([]);
    const leaking = filesBelow(platform.dataDir).filter((file) => fs.readFileSync(file).includes(secret));
    expect(leaking).toEqual([]);
    const keyFile = path.join(platform.dataDir, 'secret.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

    // A service that prints its secret: `skiff logs` shows it redacted.
    const logs = await waitFor('the printed line', async () => {
      await fetch(`${platform!.routerUrl}/echo/print-env?name=API_TOKEN`);
      const result = platform!.cli(['logs', 'echo']);
      return result.stdout.includes('API_TOKEN=[redacted]') ? result.stdout : null;
    });
    expect(logs).toContain('API_TOKEN=[redacted]');
    expect(logs).not.toContain(secret);
  });

  it('restores an environment to the releases and config of an earlier revision', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1, greeting: 'first' }) });
    await waitForReady(platform, { echo: 1 });
    await waitFor('first greeting', async () => (await greeting(platform!)) === 'first');
    const specFile = path.join(platform.specDir, 'skiff.yaml');
    for (const next of ['second', 'third']) {
      fs.writeFileSync(specFile, echoSpec({ instances: 1, greeting: next }));
      const applied = platform.cli(['apply', 'skiff.yaml']);
      expect(applied.code, applied.stderr).toBe(0);
      await waitFor(`${next} greeting`, async () => (await greeting(platform!)) === next);
    }
    const restored = platform.cli(['restore', 'dev', '--to', '1']);
    expect(restored.code, restored.stderr).toBe(0);
    await waitFor('the first greeting again', async () => (await greeting(platform!)) === 'first');
    const releases = (await (await platform.fetch(`/api/v1/environments/dev/services/echo/releases`)).json()) as {
      version: string;
      reason: string;
      current: boolean;
    }[];
    expect(releases[0]).toMatchObject({ version: 'v4', reason: 'restore', current: true });
    const history = (await (await platform.fetch(`/api/v1/revisions?environment=dev`)).json()) as { message: string }[];
    expect(history[0]!.message).toBe('restore dev to revision 1');

    const bad = platform.cli(['restore', 'dev', '--to', '99']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('SKIFF_NOT_FOUND');
    const plan = platform.cli(['plan', 'skiff.yaml']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('GREETING');
    expect(plan.stdout).toMatch(/first.*third|"first".*"third"/s);
  });
});

describe('logs and the data directory', () => {
  it('filters logs after redaction, leaves short secrets alone with a warning, and keeps the data directory private', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }) });
    await waitForReady(platform, { echo: 1 });
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
    const secret = Array.from(randomBytes(22), (byte) => alphabet[byte % alphabet.length]).join('');
    const set = platform.cli(['secret', 'set', 'echo', `API_TOKEN=${secret}`, 'MODE=method']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toMatch(/warning: MODE .*not redact/);
    expect(set.stderr).not.toMatch(/warning: API_TOKEN/);
    await waitFor('the printed secret, redacted', async () => {
      await fetch(`${platform!.routerUrl}/echo/print-env?name=API_TOKEN`);
      return platform!.cli(['logs', 'echo']).stdout.includes('API_TOKEN=[redacted]');
    });
    // A viewer guessing pieces of the secret learns nothing from --grep.
    for (const piece of [secret.slice(0, 6), secret.slice(5, 13), secret.slice(-4)]) {
      const found = platform.cli(['logs', 'echo', '--grep', piece]);
      expect(found.code, found.stderr).toBe(0);
      expect(found.stdout).not.toContain('API_TOKEN');
    }
    // The short value is not redacted: other lines that contain it are shown as they were written.
    await fetch(`${platform.routerUrl}/echo/`);
    const requests = await waitFor('a request line', () => {
      const result = platform!.cli(['logs', 'echo', '--grep', '"method":"GET"']);
      return result.stdout.includes('"method":"GET"') ? result.stdout : null;
    });
    expect(requests).not.toContain('[redacted]');

    const exposed = [platform.dataDir, ...entriesBelow(platform.dataDir)]
      .map((entry) => ({ entry, mode: fs.lstatSync(entry).mode }))
      .filter(({ mode }) => (mode & 0o077) !== 0 && (mode & fs.constants.S_IFMT) !== fs.constants.S_IFLNK && (mode & fs.constants.S_IFMT) !== fs.constants.S_IFSOCK)
      .map(({ entry, mode }) => `${path.relative(platform!.dataDir, entry)} ${(mode & 0o777).toString(8)}`);
    expect(exposed).toEqual([]);
  });
});

describe('what a viewer learns about the server', () => {
  it('validate and plan answer a viewer the same whether a service directory exists or not; a deployer gets the check', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }) });
    const created = await platform.fetch('/api/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'looker', role: 'viewer' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const viewer = { authorization: `Bearer ${((await created.json()) as { token: string }).token}` };
    const spec = (dir: string): string => echoSpec({ instances: 1 }).replace('path: .', `path: ${dir}`);
    const ask = async (route: string, dir: string, headers: Record<string, string> = {}): Promise<unknown> => {
      const response = await platform!.fetch(route, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ text: spec(dir), file: 'skiff.yaml', baseDir: '/' }),
      });
      // The answer may name the path given; what must not differ is anything else.
      return JSON.parse((await response.text()).split(dir).join('DIR')) as unknown;
    };
    for (const route of ['/api/v1/validate', '/api/v1/plan']) {
      expect(await ask(route, '/etc', viewer), route).toEqual(await ask(route, '/no/such/dir/anywhere', viewer));
      expect(JSON.stringify(await ask(route, '/no/such/dir/anywhere')), route).toContain('SKIFF_SERVICE_DIRECTORY_MISSING');
    }
  });
});

function entriesBelow(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [full, ...entriesBelow(full)] : [full];
  });
}
