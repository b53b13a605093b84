import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store.js';
import type { Spec } from '../spec/schema.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const clock = { now: () => Date.parse('2026-11-26T10:00:00Z') };
const spec = { version: 1, name: 'shop', services: {}, environments: {} } as unknown as Spec;

describe('SQLite store', () => {
  it('keeps revisions, events and instances on disk across reopen', () => {
    const dir = tempDir();
    const store = openSqliteStore(dir, clock);
    const revision = store.saveRevision({ hash: 'abc', author: 'ana', message: 'first', spec, baseDir: '/x', sourceFile: 'skiff.yaml', sourceHash: 'h', releases: { dev: { web: 2 } } });
    store.appendEvent({ type: 'spec.applied', message: 'applied', actor: 'ana' });
    store.appendEvent({ type: 'instance.crashed', environment: 'dev', service: 'web', instance: 'web-1', message: 'crashed', data: { exitCode: 1 } });
    store.putInstance({ id: 'web-1', environment: 'dev', service: 'web', record: { port: 1234 } });
    store.close();

    const reopened = openSqliteStore(dir, clock);
    expect(reopened.latestRevision()).toMatchObject({ id: revision.id, author: 'ana', createdAt: '2026-11-26T10:00:00.000Z', spec, releases: { dev: { web: 2 } } });
    expect(reopened.events({ service: 'web' })).toMatchObject([{ type: 'instance.crashed', data: { exitCode: 1 } }]);
    expect(reopened.events({ afterId: 1 }).map((e) => e.id)).toEqual([2]);
    expect(reopened.listInstances('dev')).toEqual([{ id: 'web-1', environment: 'dev', service: 'web', record: { port: 1234 } }]);
    expect(fs.readFileSync(path.join(dir, 'skiff.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
    reopened.close();
  });

  it('numbers releases per service and environment and keeps their content', () => {
    const store = openSqliteStore(tempDir(), clock);
    const content = { artifact: 'sha256:ab', sourceDirectory: null, driver: 'process' as const, command: ['node', 's.js'], env: { A: '1' }, secrets: {}, resources: {} };
    const v1 = store.createRelease({ environment: 'dev', service: 'web', content, author: 'ana', reason: 'deploy' });
    const v2 = store.createRelease({ environment: 'dev', service: 'web', content: { ...content, env: { A: '2' } }, author: 'bo', reason: 'config' });
    const other = store.createRelease({ environment: 'staging', service: 'web', content, author: 'ana', reason: 'promote' });
    expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
    expect(v1.configHash).toBe(other.configHash);
    expect(v1.configHash).not.toBe(v2.configHash);
    expect(store.release('dev', 'web', 1)).toMatchObject({ artifact: 'sha256:ab', env: { A: '1' }, command: ['node', 's.js'], reason: 'deploy', author: 'ana' });
    expect(store.listReleases('dev', 'web').map((r) => r.version)).toEqual([2, 1]);
    expect(store.release('dev', 'web', 9)).toBeNull();
    store.close();
  });

  it('returns the newest events when limited, oldest first', () => {
    const store = openSqliteStore(tempDir(), clock);
    for (let i = 0; i < 5; i++) store.appendEvent({ type: 't', message: String(i) });
    expect(store.events({ limit: 2 }).map((e) => e.message)).toEqual(['3', '4']);
    store.close();
  });
});

describe('SQLite store: a damaged file', () => {
  it('refuses a file that is not a database with SKIFF_STORE_CORRUPT, its path and the way out', () => {
    const dir = tempDir();
    openSqliteStore(dir, clock).saveRevision({ hash: 'abc', author: 'ana', message: 'first', spec, baseDir: '/x', sourceFile: 'skiff.yaml', sourceHash: 'h', releases: {} });
    for (const suffix of ['-wal', '-shm']) fs.rmSync(path.join(dir, `skiff.db${suffix}`), { force: true });
    const file = path.join(dir, 'skiff.db');
    const bytes = fs.readFileSync(file);
    bytes.write('this is not a database', 0);
    fs.writeFileSync(file, bytes);
    let caught: unknown;
    try {
      openSqliteStore(dir, clock);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'SKIFF_STORE_CORRUPT', message: expect.stringContaining(file), hint: expect.stringContaining(`${file}.damaged`) });
  });
});
