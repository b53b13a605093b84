import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAesGcmCipher } from './secret-cipher.js';
import { createSecretStore } from './secret-store.js';
import { openDatabase } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const clock = { now: () => 0 };

describe('secret store', () => {
  it('keeps every version encrypted at rest and decrypts the requested ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-secrets-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    const key = randomBytes(32);
    const store = createSecretStore(db, clock, createAesGcmCipher(key));
    expect(store.set('production', 'api', { DATABASE_URL: 'postgres://very-secret-1', TOKEN: 'tok-abc' }, 'ana')).toEqual({ DATABASE_URL: 1, TOKEN: 1 });
    expect(store.set('production', 'api', { DATABASE_URL: 'postgres://very-secret-2' }, 'bo')).toEqual({ DATABASE_URL: 2, TOKEN: 1 });
    expect(store.values('production', 'api', { DATABASE_URL: 1 })).toEqual({ DATABASE_URL: 'postgres://very-secret-1' });
    expect(store.values('production', 'api', store.versions('production', 'api'))).toEqual({ DATABASE_URL: 'postgres://very-secret-2', TOKEN: 'tok-abc' });
    expect(store.list('production', 'api').map((s) => [s.name, s.version, s.author])).toEqual([['DATABASE_URL', 2, 'bo'], ['TOKEN', 1, 'ana']]);
    expect(store.unset('production', 'api', 'TOKEN', 'ana')).toBe(true);
    expect(store.unset('production', 'api', 'TOKEN', 'ana')).toBe(false);
    expect(store.versions('production', 'api')).toEqual({ DATABASE_URL: 2 });
    expect(store.versions('dev', 'api')).toEqual({});
    db.close();
    for (const file of fs.readdirSync(dir)) {
      expect(fs.readFileSync(path.join(dir, file)).includes('very-secret')).toBe(false);
    }
  });

  it('cannot open a value with another key or moved to another secret', () => {
    const cipher = createAesGcmCipher(randomBytes(32));
    const sealed = cipher.seal('s3cret', 'dev/api/A@1');
    expect(cipher.open(sealed, 'dev/api/A@1')).toBe('s3cret');
    expect(() => cipher.open(sealed, 'dev/api/B@1')).toThrow();
    expect(() => createAesGcmCipher(randomBytes(32)).open(sealed, 'dev/api/A@1')).toThrow();
  });
});
