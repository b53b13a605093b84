import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SkiffError } from '../core/errors.js';
import { openDatabase } from './sqlite-store.js';
import { generateToken, hashSecret, parseToken, secretMatches } from './token-secret.js';
import { createTokenStore } from './token-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function openStore(now = { value: Date.parse('2026-11-26T10:00:00Z') }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-tokens-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  return { dir, db, now, store: createTokenStore(db, { now: () => now.value }) };
}

describe('the token format', () => {
  it('is skiff_<id>_<secret> with a 48-bit id and a 256-bit secret, and parses back', () => {
    const { token, id, secret } = generateToken();
    expect(token).toMatch(/^skiff_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseToken(token)).toEqual({ id, secret });
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 50 }, () => generateToken().token)).size).toBe(50);
    for (const bad of ['', 'skiff_', `skiff_${id}`, `${token} `, token.toUpperCase(), token.replace('skiff_', 'skif_'), `${token}x`]) {
      expect(parseToken(bad), bad).toBeNull();
    }
  });

  it('matches a secret only against its own hash, and never throws whatever is stored', () => {
    const { secret } = generateToken();
    const stored = hashSecret(secret);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, stored)).toBe(false);
    // A stored hash of the wrong length would make timingSafeEqual throw: it is refused before.
    expect(secretMatches(secret, stored.slice(2))).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
    expect(secretMatches(secret, 'zz'.repeat(32))).toBe(false);
    fc.assert(
      fc.property(fc.string(), fc.string(), (candidate, storedText) => {
        expect(secretMatches(candidate, storedText)).toBe(storedText === hashSecret(candidate));
      }),
    );
  });
});

describe('token store', () => {
  it('stores a hash, never the token, and verifies it to its caller', () => {
    const { dir, db, store } = openStore();
    const created = store.create({ name: 'ci', role: 'deployer', environments: ['staging'], createdBy: 'ana' });
    expect(created).toMatchObject({ name: 'ci', role: 'deployer', environments: ['staging'], createdBy: 'ana', createdAt: '2026-11-26T10:00:00.000Z', lastUsedAt: null, revokedAt: null });
    expect(created.id).toBe(parseToken(created.token)?.id);
    expect(store.verify(created.token)).toEqual({ name: 'ci', role: 'deployer', environments: ['staging'] });
    expect(store.list()).toEqual([{ ...withoutToken(created), lastUsedAt: '2026-11-26T10:00:00.000Z' }]);
    const secret = parseToken(created.token)?.secret as string;
    db.close();
    for (const file of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, file)).includes(secret), file).toBe(false);
  });

  it('refuses unknown, mistyped and revoked tokens', () => {
    const { store } = openStore();
    const { token, id } = store.create({ name: 'ana', role: 'admin', environments: null, createdBy: 'skiff up' });
    const other = generateToken();
    expect(store.verify(`skiff_${id}_${other.secret}`)).toBeNull();
    expect(store.verify(other.token)).toBeNull();
    expect(store.verify(token.slice(0, -1))).toBeNull();
    expect(store.verify('Bearer ' + token)).toBeNull();
    expect(store.revoke('ana')).toMatchObject({ name: 'ana', revokedAt: expect.any(String) });
    expect(store.verify(token)).toBeNull();
    expect(store.list()).toEqual([]);
  });

  it('keeps names unique among tokens not revoked, and a revoked name can be used again', () => {
    const { store } = openStore();
    store.create({ name: 'ci', role: 'viewer', environments: null, createdBy: 'ana' });
    const taken = (() => {
      try {
        store.create({ name: 'ci', role: 'admin', environments: null, createdBy: 'ana' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(taken).toBeInstanceOf(SkiffError);
    expect(taken).toMatchObject({ code: 'SKIFF_TOKEN_NAME_TAKEN', path: 'name' });
    store.revoke('ci');
    const again = store.create({ name: 'ci', role: 'admin', environments: null, createdBy: 'ana' });
    expect(store.verify(again.token)).toMatchObject({ role: 'admin' });
    expect(() => store.revoke('nobody')).toThrow(expect.objectContaining({ code: 'SKIFF_TOKEN_NOT_FOUND' }));
  });

  it('records the last use at most once a minute', () => {
    const { store, now } = openStore();
    const { token } = store.create({ name: 'ci', role: 'viewer', environments: null, createdBy: 'ana' });
    store.verify(token);
    now.value += 30_000;
    store.verify(token);
    expect(store.find('ci')?.lastUsedAt).toBe('2026-11-26T10:00:00.000Z');
    now.value += 31_000;
    store.verify(token);
    expect(store.find('ci')?.lastUsedAt).toBe('2026-11-26T10:01:01.000Z');
  });

  it('survives a reopen of the database', () => {
    const { dir, db, store } = openStore();
    const { token } = store.create({ name: 'ci', role: 'deployer', environments: null, createdBy: 'ana' });
    db.close();
    const reopened = openDatabase(dir);
    expect(createTokenStore(reopened, { now: () => 0 }).verify(token)).toEqual({ name: 'ci', role: 'deployer', environments: null });
    reopened.close();
  });
});

function withoutToken<T extends { token: string }>(value: T): Omit<T, 'token'> {
  const { token: _token, ...rest } = value;
  return rest;
}
