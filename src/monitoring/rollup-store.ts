/** Minute rollups of the metric history in SQLite, kept for a week. */
import type Database from 'better-sqlite3';
import type { Point } from './history.js';

const retentionMs = 7 * 24 * 3_600_000;

export class RollupStore {
  private readonly insert: Database.Statement<[string, number, number]>;
  private readonly select: Database.Statement<[string, number, number], { minute: number; value: number }>;
  private readonly prune: Database.Statement<[number]>;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS metric_rollups (
      series TEXT NOT NULL,
      minute INTEGER NOT NULL,
      value REAL NOT NULL,
      PRIMARY KEY (series, minute)
    ) WITHOUT ROWID`);
    this.insert = db.prepare('INSERT OR REPLACE INTO metric_rollups (series, minute, value) VALUES (?, ?, ?)');
    this.select = db.prepare('SELECT minute, value FROM metric_rollups WHERE series = ? AND minute >= ? AND minute <= ? ORDER BY minute');
    this.prune = db.prepare('DELETE FROM metric_rollups WHERE minute < ?');
  }

  write(minute: number, values: readonly { key: string; value: number }[]): void {
    this.db.transaction(() => {
      for (const { key, value } of values) this.insert.run(key, minute, value);
    })();
  }

  points(key: string, from: number, to: number): Point[] {
    return this.select.all(key, from, to).map((row) => ({ time: row.minute, value: row.value }));
  }

  pruneBefore(now: number): void {
    this.prune.run(now - retentionMs);
  }
}
