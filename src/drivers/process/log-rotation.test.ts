import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/fixtures.js';
import { followLog, needsRotation, readLogTail, rotateLog } from './log-rotation.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readLogTail', () => {
  it('returns the last lines, fewer when the file is short, none when it is missing', async () => {
    const path = join(dir, 'tail.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'y'.repeat(i % 50)}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    expect(await readLogTail(path, 3)).toEqual(lines.slice(-3));
    expect(await readLogTail(path, 4000)).toEqual(lines.slice(-4000));
    expect(await readLogTail(path, 10_000)).toEqual(lines);
    await appendFile(path, 'no newline yet');
    expect(await readLogTail(path, 2)).toEqual([lines[4999], 'no newline yet']);
    expect(await readLogTail(join(dir, 'missing.log'), 5)).toEqual([]);
  });
});

describe('rotateLog', () => {
  it('keeps at most `keep` rotated files, newest in .1, and rotates only a write that would pass the limit', async () => {
    const path = join(dir, 'rotate.log');
    for (const round of [1, 2, 3]) {
      await writeFile(path, `round ${round}\n`.repeat(100));
      await rotateLog(path, { maxBytes: 100, keep: 2 });
      await expect(readFile(path)).rejects.toThrow();
    }
    expect(await readFile(`${path}.1`, 'utf8')).toContain('round 3');
    expect(await readFile(`${path}.2`, 'utf8')).toContain('round 2');
    await expect(readFile(`${path}.3`)).rejects.toThrow();
    await rotateLog(join(dir, 'missing.log'), { maxBytes: 1, keep: 1 });
    expect(needsRotation(0, 500, { maxBytes: 100, keep: 1 })).toBe(false);
    expect(needsRotation(60, 40, { maxBytes: 100, keep: 1 })).toBe(false);
    expect(needsRotation(60, 41, { maxBytes: 100, keep: 1 })).toBe(true);
  });
});

describe('followLog', () => {
  it('delivers lines as they are completed, and starts over when a rotation truncates the file', async () => {
    const path = join(dir, 'follow.log');
    await writeFile(path, 'old line\n');
    const seen: string[] = [];
    const abort = new AbortController();
    const following = followLog(path, (line) => seen.push(line), abort.signal, { fromStart: true, intervalMs: 10 });
    try {
      await waitFor('the existing line', () => seen.includes('old line'));
      await appendFile(path, 'first\nsecond\npart');
      await waitFor('two more lines', () => seen.length >= 3);
      await appendFile(path, 'ial\n');
      await waitFor('the completed line', () => seen.includes('partial'));
      // Shorter than what was read before, so the shrink is visible however the polls fall.
      await truncate(path, 0);
      await appendFile(path, 'rotated\n');
      await waitFor('the line after the rotation', () => seen.includes('rotated'));
      expect(seen).toEqual(['old line', 'first', 'second', 'partial', 'rotated']);
    } finally {
      abort.abort();
      await following;
    }
  });
});
