/**
 * Volumes with the real `skiff up`: a service's notes outlive a redeploy (a new release from a
 * built artifact), a backup taken then restored brings the old notes back, and a restore while
 * the service runs is refused with nothing changed; `skiff volume delete` is refused while the
 * service runs, then deletes the volume's directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const spec = `name: notes
services:
  notes:
    path: svc
    start: [node, server.mjs]
    build: {}
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /notes, stripPrefix: true }]
    volumes:
      data: { path: /var/lib/notes }
`;

interface Notes {
  notes: string[];
  release: string;
  volume: string;
}

describe('volumes', () => {
  it('keep data across a redeploy, and a restore from a backup brings the old data back', async () => {
    platform = await startPlatform({ spec, files: { 'svc/server.mjs': fs.readFileSync(path.join(repoRoot, 'test/fixtures/notes/server.mjs'), 'utf8') } });
    const p = platform;
    const url = `${p.routerUrl}/notes/`;
    const notes = async (): Promise<Notes | null> => {
      const response = await fetch(url).catch(() => null);
      return response?.ok ? ((await response.json()) as Notes) : null;
    };
    const add = async (text: string): Promise<void> => {
      const response = await fetch(url, { method: 'POST', body: text });
      expect(response.status).toBe(201);
    };
    await waitForReady(p, { notes: 1 });
    const first = await waitFor('notes to answer', notes);
    expect(first.volume).toBe(path.join(p.dataDir, 'volumes', 'dev', 'notes', 'data'));
    await add('first');

    // A redeploy: the built artifact replaces the source directory as a new release.
    expect(p.cli(['build', 'notes']).code).toBe(0);
    const deployed = p.cli(['deploy', 'notes', 'latest', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const redeployed = await waitFor('the new release to answer', async () => {
      const answer = await notes();
      return answer && answer.release !== first.release ? answer : null;
    });
    expect(redeployed.notes).toEqual(['first']);

    const backup = p.cli(['volume', 'backup', 'notes', 'data']);
    expect(backup.code, backup.stderr).toBe(0);
    const id = /backed up volume data of notes in dev: (\S+)/.exec(backup.stdout)?.[1];
    expect(id).toBeDefined();
    await add('second');

    // Refused while an instance runs: it could be writing the files a restore replaces.
    const refused = p.cli(['volume', 'restore', 'notes', 'data', id!]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('SKIFF_VOLUME_IN_USE');
    expect(refused.stderr).toContain('skiff scale notes=0');
    expect((await notes())?.notes).toEqual(['first', 'second']);

    expect(p.cli(['scale', 'notes=0']).code).toBe(0);
    await waitFor('notes to stop', async () => (await p.status()).instances.length === 0);
    const restored = p.cli(['volume', 'restore', 'notes', 'data', id!]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(p.cli(['scale', 'notes=1']).code).toBe(0);
    await waitForReady(p, { notes: 1 });
    expect((await waitFor('notes after the restore', notes)).notes).toEqual(['first']);

    const listed = p.cli(['volume', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const volumes = JSON.parse(listed.stdout) as { environment: string; service: string; name: string; path: string; backups: { id: string }[] }[];
    expect(volumes).toEqual([
      expect.objectContaining({ environment: 'dev', service: 'notes', name: 'data', path: '/var/lib/notes', backups: [expect.objectContaining({ id })] }),
    ]);

    // Deleting the volume: refused while notes runs with it; once stopped, its directory goes (backups stay).
    const volumeDir = path.join(p.dataDir, 'volumes', 'dev', 'notes', 'data');
    const inUse = p.cli(['volume', 'delete', 'notes', 'data']);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toContain('SKIFF_VOLUME_IN_USE');
    expect(fs.existsSync(volumeDir)).toBe(true);
    expect(p.cli(['scale', 'notes=0']).code).toBe(0);
    await waitFor('notes to stop again', async () => (await p.status()).instances.length === 0);
    const deleted = p.cli(['volume', 'delete', 'notes', 'data']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`deleted volume data of notes in dev with its data (${volumeDir})`);
    expect(fs.existsSync(volumeDir)).toBe(false);
    expect(p.cli(['volume', 'delete', 'notes', 'data']).stderr).toContain('SKIFF_NOT_FOUND');
  }, 120_000);
});
