import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import { CommitTriggers } from './commit-triggers.js';
import type { TriggeredRun } from './commit-triggers.js';
import { createExec } from './git-exec.js';
import { createTestRepository } from './testing/git-repository.js';
import type { TestRepository } from './testing/git-repository.js';

let root: string;
let repository: TestRepository;
let runs: TriggeredRun[];
let events: NewEvent[];
let inUse: Set<string>;
let triggers: CommitTriggers;

function specFor(bare: string): Spec {
  const parsed = parseSpec(
    `name: mono
services:
  catalog: { path: catalog, start: [node, server.js], build: {} }
environments:
  dev: {}
pipelines:
  ci:
    trigger: { git: { repo: ${bare}, paths: ['catalog/**'], interval: 1h } }
    stages: [build, { deploy: dev }]
`,
    'skiff.yaml',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-triggers-'));
  repository = createTestRepository();
  runs = [];
  events = [];
  inUse = new Set();
  const spec = specFor(repository.bare);
  const meta = new Map<string, string>();
  triggers = new CommitTriggers({
    target: {
      spec: () => spec,
      startRun: (run) => {
        runs.push(run);
        inUse.add(run.commit.sha);
      },
      treesInUse: () => inUse,
      emit: (event) => events.push(event),
      getMeta: (key) => meta.get(key) ?? null,
      setMeta: (key, value) => meta.set(key, value),
    },
    dataDir: root,
    exec: createExec({ PATH: process.env.PATH ?? '' }),
    clock: systemClock,
    onError: (_, error) => {
      throw error;
    },
  });
});

afterEach(async () => {
  await triggers.stop();
  repository.remove();
  fs.rmSync(root, { recursive: true, force: true });
});

const treesDir = (): string => path.join(root, 'sources', 'pipelines', 'ci', 'trees');

describe('CommitTriggers', () => {
  it("keeps a commit's tree while a build needs it and removes it after", async () => {
    repository.commit({ 'catalog/server.js': 'first' }, 'first');
    await triggers.poll('ci');
    const second = repository.commit({ 'catalog/server.js': 'second' }, 'second');
    await triggers.poll('ci');
    expect(runs.map((run) => run.commit.sha)).toEqual([second]);
    expect(fs.readFileSync(path.join(runs[0]!.baseDir, 'catalog', 'server.js'), 'utf8')).toBe('second');
    expect(fs.readdirSync(treesDir())).toEqual([second]);

    inUse.clear();
    triggers.sweep();
    await triggers.idle();
    expect(fs.readdirSync(treesDir())).toEqual([]);
  });

  it('tells a rewritten branch and runs its new tip for the files changed since the commit last run', async () => {
    const first = repository.commit({ 'catalog/server.js': 'first', 'README.md': 'a' }, 'first');
    await triggers.poll('ci');
    const second = repository.commit({ 'catalog/server.js': 'second' }, 'second');
    await triggers.poll('ci');
    repository.forcePushTo(first);
    await triggers.poll('ci');

    const told = events.find((event) => event.data?.['rewritten'] === true);
    expect(told?.message).toContain(`no longer contains ${second.slice(0, 12)}`);
    expect(told?.data).toMatchObject({ previous: second, commit: first, code: 'SKIFF_SOURCE_FORCE_PUSHED' });
    expect(runs.map((run) => run.commit.sha)).toEqual([second, first]);

    // Not stuck: the next commit on the new history runs as usual, and a poll with nothing new runs nothing.
    const third = repository.commit({ 'catalog/server.js': 'third' }, 'third');
    await triggers.poll('ci');
    await triggers.poll('ci');
    expect(runs.map((run) => run.commit.sha)).toEqual([second, first, third]);
  });
});
