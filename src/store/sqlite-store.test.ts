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
    const revision = store.saveRevision({ hash: 'abc', author: 'ana', message: 'first', spec, baseDir: '/x', sourceFile: 'skiff.yaml', sourceHash: 'h' });
    store.appendEvent({ type: 'spec.applied', message: 'applied', actor: 'ana' });
    store.appendEvent({ type: 'instance.crashed', environment: 'dev', service: 'web', instance: 'web-1', message: 'crashed', data: { exitCode: 1 } });
    store.putInstance({ id: 'web-1', environment: 'dev', service: 'web', record: { port: 1234 } });
    store.close();

    const reopened = openSqliteStore(dir, clock);
    expect(reopened.latestRevision()).toMatchObject({ id: revision.id, author: 'ana', createdAt: '2026-11-26T10:00:00.000Z', spec });
    expect(reopened.events({ service: 'web' })).toMatchObject([{ type: 'instance.crashed', data: { exitCode: 1 } }]);
    expect(reopened.events({ afterId: 1 }).map((e) => e.id)).toEqual([2]);
    expect(reopened.listInstances('dev')).toEqual([{ id: 'web-1', environment: 'dev', service: 'web', record: { port: 1234 } }]);
    expect(fs.readFileSync(path.join(dir, 'skiff.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
    reopened.close();
  });

  it('numbers releases per service and environment, new number for each config change', () => {
    const store = openSqliteStore(tempDir(), clock);
    expect(store.releaseFor('dev', 'web', 'a')).toBe('v1');
    expect(store.releaseFor('dev', 'web', 'a')).toBe('v1');
    expect(store.releaseFor('dev', 'web', 'b')).toBe('v2');
    expect(store.releaseFor('dev', 'api', 'a')).toBe('v1');
    expect(store.releaseFor('dev', 'web', 'a')).toBe('v3');
    store.close();
  });

  it('returns the newest events when limited, oldest first', () => {
    const store = openSqliteStore(tempDir(), clock);
    for (let i = 0; i < 5; i++) store.appendEvent({ type: 't', message: String(i) });
    expect(store.events({ limit: 2 }).map((e) => e.message)).toEqual(['3', '4']);
    store.close();
  });
});
