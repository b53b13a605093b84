/**
 * Build once, promote the same artifact: build → deploy dev → promote staging, each environment
 * running the same digest with its own config; a tampered artifact is refused; rollback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, echoServer, freePort, startPlatform, threeEnvironmentSpec, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

describe('releases', () => {
  it('builds once and promotes the same artifact with each environment’s own config', async () => {
    const stagingPort = await freePort();
    const productionPort = await freePort();
    platform = await startPlatform({
      spec: threeEnvironmentSpec({ staging: stagingPort, production: productionPort }),
      files: {
        'svc/server.mjs': fs.readFileSync(echoServer, 'utf8'),
        'svc/.skiffignore': 'scratch/\n',
        'svc/scratch/notes.txt': 'left out of the artifact',
      },
    });
    await waitForReady(platform, { echo: 1 });
    expect((await waitFor('dev from source', () => answer(`${platform!.routerUrl}/echo/`)))?.greeting).toBe('dev');

    const built = platform.cli(['build', 'echo']);
    expect(built.code, built.stderr).toBe(0);
    const digest = /sha256:[0-9a-f]{64}/.exec(built.stdout)?.[0];
    expect(digest).toBeDefined();
    const again = platform.cli(['build', 'echo']);
    expect(again.stdout).toContain(digest!);

    const deployed = platform.cli(['deploy', 'echo', 'latest', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const promoted = platform.cli(['promote', 'echo', 'dev', 'staging']);
    expect(promoted.code, promoted.stderr).toBe(0);
    const stagingUrl = `http://127.0.0.1:${stagingPort}/echo/`;
    expect((await waitFor('staging answers', () => answer(stagingUrl)))?.greeting).toBe('staging');

    const releases = async (env: string) =>
      (await (await platform!.fetch(`/api/v1/environments/${env}/services/echo/releases`)).json()) as {
        version: string;
        artifact: string | null;
        current: boolean;
        reason: string;
      }[];
    const devCurrent = (await releases('dev')).find((r) => r.current);
    const stagingCurrent = (await releases('staging')).find((r) => r.current);
    expect(devCurrent).toMatchObject({ artifact: digest, reason: 'deploy' });
    expect(stagingCurrent).toMatchObject({ artifact: digest, reason: 'promote', version: 'v1' });
    // The instances run the unpacked artifact, not the source directory, and the ignored files are not in it.
    const unpacked = path.join(platform.dataDir, 'releases', digest!.slice('sha256:'.length));
    expect(fs.existsSync(path.join(unpacked, 'server.mjs'))).toBe(true);
    expect(fs.existsSync(path.join(unpacked, 'scratch'))).toBe(false);
    // The instance of the older release is stopped once the new one is ready.
    await waitFor('dev only on the artifact', async () => {
      const instances = (await platform!.status()).instances;
      return instances.length === 1 && instances[0]!.release === devCurrent!.version && instances[0]!.state === 'ready';
    });

    // The same artifact with the same config again: the running release already is it, and its
    // instances keep their release's name (no release that no instance runs).
    const redeployed = platform.cli(['deploy', 'echo', digest!, 'dev']);
    expect(redeployed.code, redeployed.stderr).toBe(0);
    expect(redeployed.stdout).toContain(`echo in dev already runs ${digest!.slice(0, 19)}`);
    expect((await releases('dev')).map((r) => r.version)).toEqual([devCurrent!.version, 'v1']);
    expect((await platform.status()).instances.map((i) => i.release)).toEqual([devCurrent!.version]);

    // A tampered artifact is refused; the environments that run it keep serving.
    const archive = path.join(platform.dataDir, 'artifacts', 'sha256', `${digest!.slice('sha256:'.length)}.tar`);
    const bytes = fs.readFileSync(archive);
    bytes[600] = (bytes[600] ?? 0) ^ 0xff;
    fs.writeFileSync(archive, bytes);
    const refused = platform.cli(['promote', 'echo', 'staging', 'production']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SKIFF_ARTIFACT_DIGEST_MISMATCH');
    expect(await releases('production')).toEqual([]);
    expect((await answer(stagingUrl))?.greeting).toBe('staging');

    // Rollback makes a new release from the older one (here: dev's first, from source).
    const rolledBack = platform.cli(['rollback', 'echo', 'dev']);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    const devAfter = await releases('dev');
    expect(devAfter[0]).toMatchObject({ version: 'v3', reason: 'rollback', artifact: null, current: true });
    await waitFor('dev on the rolled-back release', async () =>
      (await platform!.status()).instances.some((i) => i.release === 'v3' && i.state === 'ready'),
    );
    expect((await answer(`${platform.routerUrl}/echo/`))?.greeting).toBe('dev');
  });

  it('refuses bad release requests with clear errors and changes nothing', async () => {
    platform = await startPlatform({
      spec: `name: shop
services:
  echo:
    start: [node, ${JSON.stringify(echoServer)}]
environments:
  dev: {}
  staging: { routerPort: ${await freePort()} }
`,
    });
    await waitForReady(platform, { echo: 1 });
    const before = (await (await platform.fetch(`/api/v1/revisions`)).json()) as unknown[];
    const cases: [string[], string][] = [
      [['deploy', 'nosuch', 'latest', 'dev'], 'SKIFF_UNKNOWN_SERVICE'],
      [['deploy', 'echo', 'latest', 'dev'], 'SKIFF_ARTIFACT_NOT_FOUND'],
      [['deploy', 'echo', 'sha256:abcdef', 'dev'], 'SKIFF_ARTIFACT_NOT_FOUND'],
      [['deploy', 'echo', 'latest', 'moon'], 'SKIFF_UNKNOWN_ENVIRONMENT'],
      [['promote', 'echo', 'staging', 'dev'], 'SKIFF_NOT_DEPLOYED'],
      [['promote', 'echo', 'dev', 'staging'], 'SKIFF_NOT_DEPLOYED'],
      [['rollback', 'echo', 'dev', '--to', 'v9'], 'SKIFF_RELEASE_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      const result = platform.cli(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain(code);
    }
    const after = (await (await platform.fetch(`/api/v1/revisions`)).json()) as unknown[];
    expect(after).toHaveLength(before.length);
  });
});
