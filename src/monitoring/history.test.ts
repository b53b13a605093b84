import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/sqlite-store.js';
import { MetricHistory, seriesKey } from './history.js';
import { RollupStore } from './rollup-store.js';

describe('metric history', () => {
  const key = seriesKey({ environment: 'dev', service: 'web', metric: 'rps' });

  it('keeps 10 s points for the last hour and 1 min averages for the last day', () => {
    const history = new MetricHistory();
    const start = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
    for (let t = 0; t < 2 * 3_600_000; t += 5_000) history.record(key, start + t, t < 60_000 ? 10 : 20);
    const now = start + 2 * 3_600_000 - 1;
    const fine = history.points(key, '10s', now - 3_600_000, now);
    expect(fine).toHaveLength(360);
    expect(fine.at(-1)).toEqual({ time: now + 1 - 10_000, value: 20 });
    const coarse = history.points(key, '1m', start, now);
    expect(coarse).toHaveLength(120);
    expect(coarse[0]).toEqual({ time: start, value: 10 });
    // The hour before the last is gone from the fine ring.
    expect(history.points(key, '10s', start, start + 3_600_000 - 1)).toEqual([]);
  });

  it('rolls minutes up into SQLite and reads them back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-history-'));
    try {
      const db = openDatabase(dir);
      const rollups = new RollupStore(db);
      const history = new MetricHistory();
      history.record(key, 120_000, 4);
      history.record(key, 130_000, 6);
      rollups.write(120_000, history.minute(120_000));
      expect(rollups.points(key, 0, 200_000)).toEqual([{ time: 120_000, value: 5 }]);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
