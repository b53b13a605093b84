import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSkiffError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-open-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function openError(dataDir: string): unknown {
  try {
    openSqliteStore(dataDir, systemClock).close();
  } catch (error) {
    return error;
  }
  return null;
}

describe('opening the state database', () => {
  it('reports a damaged database as SKIFF_STORE_CORRUPT with its path and a way out', () => {
    const garbled = path.join(dir, 'garbled');
    fs.mkdirSync(garbled);
    fs.writeFileSync(path.join(garbled, 'skiff.db'), Buffer.alloc(8192, 0x5a));
    const error = openError(garbled);
    expect(isSkiffError(error) && error.code).toBe('SKIFF_STORE_CORRUPT');
    expect((error as Error).message).toContain(path.join(garbled, 'skiff.db'));
    expect(isSkiffError(error) && error.hint).toMatch(/mv .*skiff\.db/);

    // A real database whose pages were overwritten in the middle.
    const damaged = path.join(dir, 'damaged');
    openSqliteStore(damaged, systemClock).close();
    const file = path.join(damaged, 'skiff.db');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(fs.statSync(file).size - 100, 0xff), 0, undefined, 100);
    fs.closeSync(fd);
    expect(isSkiffError(openError(damaged)) && (openError(damaged) as { code: string }).code).toBe('SKIFF_STORE_CORRUPT');
  });
});
