/** The SQLite schema, applied idempotently at open. */
export const schemaSql = `
CREATE TABLE IF NOT EXISTS revisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL,
  author TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  base_dir TEXT NOT NULL,
  source_file TEXT,
  source_hash TEXT,
  releases_json TEXT NOT NULL DEFAULT '{}',
  git_commit TEXT
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  environment TEXT,
  service TEXT,
  instance TEXT,
  actor TEXT NOT NULL,
  message TEXT NOT NULL,
  data_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_service ON events (environment, service, id);
CREATE INDEX IF NOT EXISTS events_by_time ON events (time);
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  record_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS releases (
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  version INTEGER NOT NULL,
  config_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  artifact TEXT,
  author TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT 'source',
  content_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (environment, service, version)
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** Columns added after a table was first created: added to older data directories at open. */
export const addedColumns: readonly { table: string; column: string; definition: string }[] = [
  { table: 'revisions', column: 'releases_json', definition: "TEXT NOT NULL DEFAULT '{}'" },
  { table: 'revisions', column: 'git_commit', definition: 'TEXT' },
  { table: 'releases', column: 'artifact', definition: 'TEXT' },
  { table: 'releases', column: 'author', definition: "TEXT NOT NULL DEFAULT ''" },
  { table: 'releases', column: 'reason', definition: "TEXT NOT NULL DEFAULT 'source'" },
  { table: 'releases', column: 'content_json', definition: "TEXT NOT NULL DEFAULT '{}'" },
  { table: 'releases', column: 'git_commit', definition: 'TEXT' },
];
