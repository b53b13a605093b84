/**
 * Secrets per service and environment, encrypted at rest. Every change is a new version, so an
 * older release started again (rollback, restore) gets the values it had.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { SecretCipher } from './secret-cipher.js';

export interface SecretInfo {
  readonly name: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly author: string;
}

export interface SecretStore {
  /** Stores new versions of the given values; returns the current versions of all the service's secrets. */
  set(environment: string, service: string, values: Readonly<Record<string, string>>, author: string): Record<string, number>;
  /** Removes a secret (a tombstone version); false when there was none. */
  unset(environment: string, service: string, name: string, author: string): boolean;
  list(environment: string, service: string): SecretInfo[];
  /** The current version of each secret, by name. */
  versions(environment: string, service: string): Record<string, number>;
  /** Decrypts the given versions. */
  values(environment: string, service: string, versions: Readonly<Record<string, number>>): Record<string, string>;
}

const ddl = `
CREATE TABLE IF NOT EXISTS secrets (
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  iv BLOB,
  tag BLOB,
  data BLOB,
  author TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (environment, service, name, version)
);`;

interface SecretRow {
  name: string;
  version: number;
  iv: Buffer | null;
  tag: Buffer | null;
  data: Buffer | null;
  author: string;
  created_at: string;
}

export function createSecretStore(db: Database.Database, clock: Clock, cipher: SecretCipher): SecretStore {
  db.exec(ddl);
  const latestRows = db.prepare<[{ environment: string; service: string }], SecretRow>(
    `SELECT s.* FROM secrets s
     JOIN (SELECT name, MAX(version) AS version FROM secrets WHERE environment = @environment AND service = @service GROUP BY name) latest
       ON s.name = latest.name AND s.version = latest.version
     WHERE s.environment = @environment AND s.service = @service`,
  );
  const lastVersion = db.prepare<[string, string, string], { v: number | null }>(
    'SELECT MAX(version) AS v FROM secrets WHERE environment = ? AND service = ? AND name = ?',
  );
  const insert = db.prepare(
    `INSERT INTO secrets (environment, service, name, version, iv, tag, data, author, created_at)
     VALUES (@environment, @service, @name, @version, @iv, @tag, @data, @author, @created_at)`,
  );
  const one = db.prepare<[string, string, string, number], SecretRow>(
    'SELECT * FROM secrets WHERE environment = ? AND service = ? AND name = ? AND version = ?',
  );
  const place = (environment: string, service: string, name: string): string => `${environment}/${service}/${name}`;
  const current = (environment: string, service: string): SecretRow[] =>
    latestRows.all({ environment, service }).filter((row) => row.data !== null);

  const write = db.transaction((environment: string, service: string, name: string, value: string | null, author: string) => {
    const version = (lastVersion.get(environment, service, name)?.v ?? 0) + 1;
    const sealed = value === null ? null : cipher.seal(value, `${place(environment, service, name)}@${version}`);
    insert.run({
      environment,
      service,
      name,
      version,
      iv: sealed?.iv ?? null,
      tag: sealed?.tag ?? null,
      data: sealed?.data ?? null,
      author,
      created_at: new Date(clock.now()).toISOString(),
    });
  });

  const store: SecretStore = {
    set(environment, service, values, author) {
      for (const [name, value] of Object.entries(values)) write(environment, service, name, value, author);
      return store.versions(environment, service);
    },
    unset(environment, service, name, author) {
      if (!Object.hasOwn(store.versions(environment, service), name)) return false;
      write(environment, service, name, null, author);
      return true;
    },
    list(environment, service) {
      return current(environment, service)
        .map((row) => ({ name: row.name, version: row.version, updatedAt: row.created_at, author: row.author }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    versions(environment, service) {
      return Object.fromEntries(current(environment, service).map((row) => [row.name, row.version]));
    },
    values(environment, service, versions) {
      const values: Record<string, string> = {};
      for (const [name, version] of Object.entries(versions)) {
        const row = one.get(environment, service, name, version);
        if (!row?.data || !row.iv || !row.tag) continue;
        values[name] = cipher.open({ iv: row.iv, tag: row.tag, data: row.data }, `${place(environment, service, name)}@${version}`);
      }
      return values;
    },
  };
  return store;
}
