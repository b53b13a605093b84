import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SkiffError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { releaseHash } from '../spec/release.js';
import type { Release, ReleaseReason } from '../spec/release.js';
import { addedColumns, schemaSql } from './schema-sql.js';
import type {
  EventFilter,
  NewEvent,
  NewRelease,
  NewRevision,
  Revision,
  StateStore,
  StoredEvent,
  StoredInstance,
} from './state-store.js';

interface RevisionRow {
  id: number;
  hash: string;
  author: string;
  message: string;
  created_at: string;
  spec_json: string;
  base_dir: string;
  source_file: string | null;
  source_hash: string | null;
  releases_json: string;
  git_commit: string | null;
}

interface ReleaseRow {
  environment: string;
  service: string;
  version: number;
  config_hash: string;
  created_at: string;
  artifact: string | null;
  author: string;
  reason: string;
  content_json: string;
  git_commit: string | null;
}

interface EventRow {
  id: number;
  time: string;
  type: string;
  environment: string | null;
  service: string | null;
  instance: string | null;
  actor: string;
  message: string;
  data_json: string;
}

/** Opens (creating when needed) the SQLite store at `<dataDir>/skiff.db` in WAL mode. */
/** Opens (creating when needed) the database at `<dataDir>/skiff.db` in WAL mode. */
export function openDatabase(dataDir: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'skiff.db');
  return whenIntact(file, () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return db;
  });
}

/** Runs `open`, turning SQLite's "not a database" and "malformed" into SKIFF_STORE_CORRUPT with a way out. */
function whenIntact<T>(file: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !(code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))) throw error;
    throw new SkiffError('SKIFF_STORE_CORRUPT', `the state database ${file} is damaged: ${(error as Error).message}`, {
      path: file,
      hint:
        `stop Skiff, then either restore ${file} from a backup, or move it aside to start with an empty state ` +
        `(mv ${file} ${file}.damaged; remove its -wal and -shm files too); \`sqlite3 ${file} .recover\` may save what it holds`,
      cause: error,
    });
  }
}

/** Opens the state store in its own database connection. */
export function openSqliteStore(dataDir: string, clock: Clock): StateStore {
  return createSqliteStore(openDatabase(dataDir), clock);
}

/** The state store over an open database (other stores may share the connection). */
export function createSqliteStore(db: Database.Database, clock: Clock): StateStore {
  whenIntact(db.name, () => {
    db.exec(schemaSql);
    for (const added of addedColumns) {
      const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${added.table})`).all();
      if (!columns.some((column) => column.name === added.column)) {
        db.exec(`ALTER TABLE ${added.table} ADD COLUMN ${added.column} ${added.definition}`);
      }
    }
  });

  const stmt = {
    latestRevision: db.prepare<[], RevisionRow>('SELECT * FROM revisions ORDER BY id DESC LIMIT 1'),
    revision: db.prepare<[number], RevisionRow>('SELECT * FROM revisions WHERE id = ?'),
    insertRevision: db.prepare(
      `INSERT INTO revisions (hash, author, message, created_at, spec_json, base_dir, source_file, source_hash, releases_json, git_commit)
       VALUES (@hash, @author, @message, @created_at, @spec_json, @base_dir, @source_file, @source_hash, @releases_json, @git_commit)`,
    ),
    listRevisions: db.prepare<[number], RevisionRow>('SELECT * FROM revisions ORDER BY id DESC LIMIT ?'),
    revisionAt: db.prepare<[string], RevisionRow>('SELECT * FROM revisions WHERE created_at <= ? ORDER BY id DESC LIMIT 1'),
    insertEvent: db.prepare(
      `INSERT INTO events (time, type, environment, service, instance, actor, message, data_json)
       VALUES (@time, @type, @environment, @service, @instance, @actor, @message, @data_json)`,
    ),
    putInstance: db.prepare(
      `INSERT INTO instances (id, environment, service, record_json) VALUES (@id, @environment, @service, @record_json)
       ON CONFLICT (id) DO UPDATE SET record_json = excluded.record_json`,
    ),
    deleteInstance: db.prepare('DELETE FROM instances WHERE id = ?'),
    allInstances: db.prepare<[], { id: string; environment: string; service: string; record_json: string }>(
      'SELECT * FROM instances ORDER BY id',
    ),
    envInstances: db.prepare<[string], { id: string; environment: string; service: string; record_json: string }>(
      'SELECT * FROM instances WHERE environment = ? ORDER BY id',
    ),
    lastVersion: db.prepare<[string, string], { version: number | null }>(
      'SELECT MAX(version) AS version FROM releases WHERE environment = ? AND service = ?',
    ),
    insertRelease: db.prepare(
      `INSERT INTO releases (environment, service, version, config_hash, created_at, artifact, author, reason, content_json, git_commit)
       VALUES (@environment, @service, @version, @config_hash, @created_at, @artifact, @author, @reason, @content_json, @git_commit)`,
    ),
    release: db.prepare<[string, string, number], ReleaseRow>(
      'SELECT * FROM releases WHERE environment = ? AND service = ? AND version = ?',
    ),
    listReleases: db.prepare<[string, string, number], ReleaseRow>(
      'SELECT * FROM releases WHERE environment = ? AND service = ? ORDER BY version DESC LIMIT ?',
    ),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };

  const toRevision = (row: RevisionRow): Revision => ({
    id: row.id,
    hash: row.hash,
    author: row.author,
    message: row.message,
    createdAt: row.created_at,
    spec: JSON.parse(row.spec_json) as Revision['spec'],
    baseDir: row.base_dir,
    sourceFile: row.source_file,
    sourceHash: row.source_hash,
    releases: JSON.parse(row.releases_json) as Revision['releases'],
    commit: row.git_commit ?? null,
  });
  const toRelease = (row: ReleaseRow): Release => ({
    // Releases made before secrets existed have none.
    ...({ secrets: {} } as Pick<Release, 'secrets'>),
    ...(JSON.parse(row.content_json) as Omit<Release, 'environment' | 'service' | 'version' | 'configHash' | 'author' | 'reason' | 'createdAt'>),
    artifact: row.artifact,
    environment: row.environment,
    service: row.service,
    version: row.version,
    configHash: row.config_hash,
    author: row.author,
    reason: row.reason as ReleaseReason,
    createdAt: row.created_at,
    commit: row.git_commit ?? null,
  });
  const toEvent = (row: EventRow): StoredEvent => ({
    id: row.id,
    time: row.time,
    type: row.type,
    environment: row.environment,
    service: row.service,
    instance: row.instance,
    actor: row.actor,
    message: row.message,
    data: JSON.parse(row.data_json) as Record<string, unknown>,
  });
  const nowIso = (): string => new Date(clock.now()).toISOString();

  // Read on every request and every reconcile; parsing its spec each time dominated the status
  // route at a thousand services. This connection is the only writer of revisions.
  let latest: { readonly revision: Revision | null } | null = null;

  return {
    latestRevision() {
      if (!latest) {
        const row = stmt.latestRevision.get();
        latest = { revision: row ? toRevision(row) : null };
      }
      return latest.revision;
    },
    revision(id) {
      const row = stmt.revision.get(id);
      return row ? toRevision(row) : null;
    },
    saveRevision(revision: NewRevision) {
      const info = stmt.insertRevision.run({
        hash: revision.hash,
        author: revision.author,
        message: revision.message,
        created_at: nowIso(),
        spec_json: JSON.stringify(revision.spec),
        base_dir: revision.baseDir,
        source_file: revision.sourceFile,
        source_hash: revision.sourceHash,
        releases_json: JSON.stringify(revision.releases),
        git_commit: revision.commit ?? null,
      });
      const saved = toRevision(stmt.revision.get(Number(info.lastInsertRowid)) as RevisionRow);
      latest = { revision: saved };
      return saved;
    },
    listRevisions(limit) {
      return stmt.listRevisions.all(limit).map(toRevision);
    },
    revisionAt(time) {
      const row = stmt.revisionAt.get(new Date(time).toISOString());
      return row ? toRevision(row) : null;
    },
    appendEvent(event: NewEvent) {
      const row = {
        time: nowIso(),
        type: event.type,
        environment: event.environment ?? null,
        service: event.service ?? null,
        instance: event.instance ?? null,
        actor: event.actor ?? 'skiff',
        message: event.message,
        data_json: JSON.stringify(event.data ?? {}),
      };
      const info = stmt.insertEvent.run(row);
      return toEvent({ ...row, id: Number(info.lastInsertRowid) });
    },
    events(filter: EventFilter) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.environment) (where.push('environment = ?'), params.push(filter.environment));
      if (filter.service) (where.push('service = ?'), params.push(filter.service));
      if (filter.type) (where.push('type = ?'), params.push(filter.type));
      if (filter.afterId !== undefined) (where.push('id > ?'), params.push(filter.afterId));
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000);
      // Newest `limit` events, returned oldest first.
      const sql = `SELECT * FROM (SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT ${limit}) ORDER BY id ASC`;
      return db.prepare<(string | number)[], EventRow>(sql).all(...params).map(toEvent);
    },
    putInstance(instance: StoredInstance) {
      stmt.putInstance.run({
        id: instance.id,
        environment: instance.environment,
        service: instance.service,
        record_json: JSON.stringify(instance.record),
      });
    },
    deleteInstance(id) {
      stmt.deleteInstance.run(id);
    },
    listInstances(environment) {
      const rows = environment ? stmt.envInstances.all(environment) : stmt.allInstances.all();
      return rows.map((row) => ({
        id: row.id,
        environment: row.environment,
        service: row.service,
        record: JSON.parse(row.record_json) as unknown,
      }));
    },
    createRelease: db.transaction((release: NewRelease): Release => {
      const version = (stmt.lastVersion.get(release.environment, release.service)?.version ?? 0) + 1;
      const { artifact, ...content } = release.content;
      stmt.insertRelease.run({
        environment: release.environment,
        service: release.service,
        version,
        config_hash: releaseHash(release.content),
        created_at: nowIso(),
        artifact,
        author: release.author,
        reason: release.reason,
        content_json: JSON.stringify(content),
        git_commit: release.commit ?? null,
      });
      return toRelease(stmt.release.get(release.environment, release.service, version) as ReleaseRow);
    }),
    release(environment, service, version) {
      const row = stmt.release.get(environment, service, version);
      return row ? toRelease(row) : null;
    },
    listReleases(environment, service, limit = 100) {
      return stmt.listReleases.all(environment, service, limit).map(toRelease);
    },
    getMeta(key) {
      return stmt.getMeta.get(key)?.value ?? null;
    },
    setMeta(key, value) {
      stmt.setMeta.run(key, value);
    },
    close() {
      db.close();
    },
  };
}
