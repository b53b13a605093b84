/**
 * API tokens in the SQLite database: a hash of each secret with its id, name, role, environments,
 * creator and times. The plain token exists only in the answer to `create`.
 */
import type Database from 'better-sqlite3';
import type { Caller, Role } from '../core/access.js';
import type { NewToken, NewTokenOptions, TokenInfo } from '../core/access-records.js';
import type { Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { generateToken, hashSecret, parseToken, secretMatches } from './token-secret.js';

export interface TokenStore {
  /** A new token; SKIFF_TOKEN_NAME_TAKEN when an unrevoked token has the name. */
  create(options: NewTokenOptions): NewToken;
  /** The caller the token stands for; null when it is malformed, unknown or revoked. */
  verify(token: string): Caller | null;
  /** Unrevoked tokens, oldest first. */
  list(): TokenInfo[];
  /** The unrevoked token with this name, or null. */
  find(name: string): TokenInfo | null;
  /** SKIFF_TOKEN_NOT_FOUND when no unrevoked token has the name. */
  revoke(name: string): TokenInfo;
}

const ddl = `
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  environments_json TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;
`;

interface TokenRow {
  id: string;
  name: string;
  secret_hash: string;
  role: string;
  environments_json: string | null;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Writing the last-use time on every request would make every read a write: once a minute is enough. */
const lastUsedEveryMs = 60_000;
/** Compared against when the id is unknown, so an unknown id costs what a wrong secret costs. */
const decoyHash = hashSecret('skiff-decoy');

export function createTokenStore(db: Database.Database, clock: Clock): TokenStore {
  db.exec(ddl);
  const stmt = {
    insert: db.prepare(
      `INSERT INTO tokens (id, name, secret_hash, role, environments_json, created_by, created_at)
       VALUES (@id, @name, @secret_hash, @role, @environments_json, @created_by, @created_at)`,
    ),
    byId: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?'),
    activeByName: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE name = ? AND revoked_at IS NULL'),
    active: db.prepare<[], TokenRow>('SELECT * FROM tokens WHERE revoked_at IS NULL ORDER BY created_at, rowid'),
    touch: db.prepare<[string, string]>('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
    revoke: db.prepare<[string, string]>('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  };
  const lastTouched = new Map<string, number>();
  const iso = (): string => new Date(clock.now()).toISOString();

  return {
    create(options) {
      if (stmt.activeByName.get(options.name)) {
        throw new SkiffError('SKIFF_TOKEN_NAME_TAKEN', `a token named "${options.name}" exists`, {
          path: 'name',
          hint: `choose another name, or revoke it first: skiff token revoke ${options.name}`,
        });
      }
      let generated = generateToken();
      // 48 random bits: a clash is unlikely, and harmless to retry.
      while (stmt.byId.get(generated.id)) generated = generateToken();
      stmt.insert.run({
        id: generated.id,
        name: options.name,
        secret_hash: hashSecret(generated.secret),
        role: options.role,
        environments_json: options.environments === null ? null : JSON.stringify(options.environments),
        created_by: options.createdBy,
        created_at: iso(),
      });
      return { ...toRecord(stmt.byId.get(generated.id) as TokenRow), token: generated.token };
    },
    verify(token) {
      const parts = parseToken(token);
      if (!parts) return null;
      const row = stmt.byId.get(parts.id);
      const matches = secretMatches(parts.secret, row?.secret_hash ?? decoyHash);
      if (!row || !matches || row.revoked_at !== null) return null;
      const now = clock.now();
      if (now - (lastTouched.get(row.id) ?? 0) >= lastUsedEveryMs) {
        lastTouched.set(row.id, now);
        stmt.touch.run(new Date(now).toISOString(), row.id);
      }
      const record = toRecord(row);
      return { name: record.name, role: record.role, environments: record.environments };
    },
    list: () => stmt.active.all().map(toRecord),
    find(name) {
      const row = stmt.activeByName.get(name);
      return row ? toRecord(row) : null;
    },
    revoke(name) {
      const row = stmt.activeByName.get(name);
      if (!row) {
        throw new SkiffError('SKIFF_TOKEN_NOT_FOUND', `there is no token named "${name}"`, {
          path: 'name',
          hint: 'list the tokens: skiff token list',
        });
      }
      stmt.revoke.run(iso(), row.id);
      lastTouched.delete(row.id);
      return toRecord(stmt.byId.get(row.id) as TokenRow);
    },
  };
}

function toRecord(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    environments: row.environments_json === null ? null : (JSON.parse(row.environments_json) as string[]),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
