import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeploymentStore } from './deployment-store.js';
import { openDatabase } from './sqlite-store.js';

interface TestDeployment {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  readonly finishedAt: number | null;
  readonly note: string;
}

interface TestRun {
  readonly environment: string;
  readonly service: string;
  readonly candidate: string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const clock = { now: () => Date.parse('2026-11-26T10:00:00Z') };

function open(dir: string) {
  const db = openDatabase(dir);
  return { db, store: createDeploymentStore<TestDeployment, TestRun>(db, clock) };
}

describe('deployment store', () => {
  it('keeps deployments and parallel runs across a reopen: the ones under way, the latest per service', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-deployments-'));
    dirs.push(dir);
    const first = open(dir);
    const a = first.store.create({ environment: 'dev', service: 'web', finishedAt: null, note: 'v1 to v2' });
    first.store.save({ ...a, finishedAt: 5, note: 'done' });
    const b = first.store.create({ environment: 'dev', service: 'web', finishedAt: null, note: 'v2 to v3' });
    first.store.create({ environment: 'prod', service: 'web', finishedAt: null, note: 'elsewhere' });
    first.store.putParallelRun({ environment: 'dev', service: 'web', candidate: 'v1' });
    first.store.putParallelRun({ environment: 'dev', service: 'web', candidate: 'v4' });
    first.db.close();

    const second = open(dir);
    expect(second.store.active('dev')).toEqual([{ ...b }]);
    expect(second.store.latest('dev', 'web')).toEqual(b);
    expect(second.store.get(a.id)).toEqual({ ...a, finishedAt: 5, note: 'done' });
    expect(second.store.list('dev', 'web', 10).map((deployment) => deployment.note)).toEqual(['v2 to v3', 'done']);
    expect(second.store.latest('dev', 'api')).toBeNull();
    expect(second.store.parallelRuns('dev')).toEqual([{ environment: 'dev', service: 'web', candidate: 'v4' }]);
    second.store.deleteParallelRun('dev', 'web');
    expect(second.store.parallelRun('dev', 'web')).toBeNull();
    second.db.close();
  });
});
