import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { openDatabase } from '../store/sqlite-store.js';
import { createTokenStore } from '../store/token-store.js';
import { ensureLocalAdminToken } from './local-token.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-local-token-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  return { dir, db, tokens: createTokenStore(db, systemClock) };
}

describe('the local admin token of skiff up', () => {
  it('is made on first start, written with mode 0600, and kept across restarts', () => {
    const { dir, db, tokens } = dataDir();
    const first = ensureLocalAdminToken({ tokens, dataDir: dir, user: 'ana' });
    expect(first).toEqual({ file: path.join(dir, 'token'), name: 'ana', created: true });
    const token = fs.readFileSync(first.file, 'utf8').trim();
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(tokens.verify(token)).toEqual({ name: 'ana', role: 'admin', environments: null });

    fs.chmodSync(first.file, 0o644);
    const again = ensureLocalAdminToken({ tokens, dataDir: dir, user: 'ana' });
    expect(again.created).toBe(false);
    expect(fs.readFileSync(first.file, 'utf8').trim()).toBe(token);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((file) => file.includes('.tmp'))).toEqual([]);
    db.close();
  });

  it('replaces a lost or revoked local token, and leaves a token someone else made under that name alone', () => {
    const { dir, db, tokens } = dataDir();
    const first = ensureLocalAdminToken({ tokens, dataDir: dir, user: 'ana' });
    fs.rmSync(first.file);
    const replaced = ensureLocalAdminToken({ tokens, dataDir: dir, user: 'ana' });
    expect(replaced).toMatchObject({ name: 'ana', created: true });
    expect(tokens.list().map((t) => t.name)).toEqual(['ana']);

    tokens.revoke('ana');
    tokens.create({ name: 'ana', role: 'viewer', environments: null, createdBy: 'bo' });
    const beside = ensureLocalAdminToken({ tokens, dataDir: dir, user: 'ana' });
    expect(beside).toMatchObject({ name: 'ana-local', created: true });
    expect(tokens.find('ana')).toMatchObject({ role: 'viewer', createdBy: 'bo' });
    expect(tokens.verify(fs.readFileSync(beside.file, 'utf8').trim())).toMatchObject({ name: 'ana-local', role: 'admin' });
    db.close();
  });

  it('turns any user name into a valid token name', () => {
    const { dir, db, tokens } = dataDir();
    expect(ensureLocalAdminToken({ tokens, dataDir: dir, user: 'DOMAIN\\Jane Doe' }).name).toBe('DOMAIN-Jane-Doe');
    db.close();
  });
});
