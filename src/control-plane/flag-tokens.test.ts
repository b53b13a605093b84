import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { createFlagStore } from '../store/flag-store.js';
import { openDatabase } from '../store/sqlite-store.js';
import { createTokenStore } from '../store/token-store.js';
import { EvaluationTokens } from './flag-tokens.js';

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-flag-tokens-'));
  db = openDatabase(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('evaluation tokens for instances', () => {
  it('are made once per environment, kept across a restart, and made again when revoked', () => {
    const tokens = createTokenStore(db, systemClock);
    const make = () => new EvaluationTokens({ tokens, store: createFlagStore(db, systemClock), endpoint: 'http://127.0.0.1:7070' });
    const env = make().env('dev');
    expect(env).toMatchObject({ OFREP_ENDPOINT: 'http://127.0.0.1:7070', OPENFEATURE_OFREP_ENDPOINT: 'http://127.0.0.1:7070', OFREP_HEADERS: `Authorization=Bearer ${env.OPENFEATURE_OFREP_TOKEN}` });
    expect(tokens.verify(env.OPENFEATURE_OFREP_TOKEN as string)).toEqual({ name: 'skiff-flags-dev', role: 'flags', environments: ['dev'] });
    expect(make().token('dev')).toBe(env.OPENFEATURE_OFREP_TOKEN);
    tokens.revoke('skiff-flags-dev');
    const next = make().token('dev');
    expect(next).not.toBe(env.OPENFEATURE_OFREP_TOKEN);
    expect(tokens.verify(next)?.role).toBe('flags');
  });
});
