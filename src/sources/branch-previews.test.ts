/**
 * The branch watcher over a real bare repository and real git: what it asks of its target as
 * branches come and go, that an unreachable repository deletes nothing, and that an action that
 * failed is not retried for the same commits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import { BranchCheckouts } from './branch-checkouts.js';
import type { BranchPreview, BranchPreviewAction } from './branch-preview-plan.js';
import { BranchPreviews } from './branch-previews.js';
import { createExec } from './git-exec.js';
import { createTestRepository } from './testing/git-repository.js';
import type { TestRepository } from './testing/git-repository.js';

let repository: TestRepository | undefined;
let dataDir: string | undefined;
afterEach(() => {
  repository?.remove();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  repository = undefined;
  dataDir = undefined;
});

function specFor(git: string): Spec {
  const parsed = parseSpec(`name: shop
services:
  web: { start: [node, web.js] }
environments:
  dev:
    source: { git: ${JSON.stringify(git)}, interval: 1h }
    previews: { branches: "feature/*" }
`, 'skiff.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

function watcher(git: string, options: { fail?: boolean } = {}) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-branches-'));
  let now = 0;
  const previews: BranchPreview[] = [];
  const applied: BranchPreviewAction[] = [];
  const events: NewEvent[] = [];
  const branches = new BranchPreviews({
    target: {
      spec: () => specFor(git),
      previews: () => previews,
      expiredAt: () => [],
      synced: () => true,
      apply: async (action) => {
        applied.push(action);
        if (options.fail) throw new SkiffError('SKIFF_PREVIEW_INVALID', 'the build failed');
        if (action.kind === 'create') previews.push({ name: action.name, from: action.from, branch: action.branch, automatic: true, tips: { [git]: action.commit } });
        if (action.kind === 'delete') previews.splice(previews.findIndex((preview) => preview.name === action.name), 1);
      },
      emit: (event) => void events.push(event),
    },
    checkouts: new BranchCheckouts(dataDir, createExec({ PATH: process.env.PATH ?? '' })),
    clock: { now: () => now },
    onError: (error) => {
      throw error;
    },
  });
  return { branches, applied, events, previews, advance: (ms: number) => void (now += ms) };
}

describe('branch watcher', () => {
  it('creates a preview for a new matching branch and deletes it when the branch is deleted', async () => {
    repository = createTestRepository();
    repository.commit({ 'a.txt': 'a' }, 'first');
    const { branches, applied } = watcher(repository.bare);
    const head = repository.commit({ 'a.txt': 'x' }, 'x', 'feature/x');
    repository.commit({ 'a.txt': 'y' }, 'y', 'fix/y');
    await branches.poll([repository.bare]);
    expect(applied).toEqual([{ kind: 'create', name: 'feature-x', from: 'dev', branch: 'feature/x', commit: head, instances: 1 }]);
    await branches.poll([repository.bare]);
    expect(applied).toHaveLength(1);
    repository.deleteBranch('feature/x');
    await branches.poll([repository.bare]);
    expect(applied[1]).toEqual({ kind: 'delete', name: 'feature-x', from: 'dev', branch: 'feature/x' });
  });

  it('deletes nothing when the repository cannot be fetched, and tells it once', async () => {
    repository = createTestRepository();
    repository.commit({ 'a.txt': 'a' }, 'first');
    const { branches, applied, events, previews } = watcher(repository.bare);
    repository.commit({ 'a.txt': 'x' }, 'x', 'feature/x');
    await branches.poll([repository.bare]);
    expect(previews.map((preview) => preview.name)).toEqual(['feature-x']);
    fs.rmSync(repository.bare, { recursive: true, force: true });
    await branches.poll([repository.bare]);
    await branches.poll([repository.bare]);
    expect(applied.map((action) => action.kind)).toEqual(['create']);
    expect(events.filter((event) => event.type === 'preview.failed')).toHaveLength(1);
  });

  it('does not retry a failed action for the same commits until a while has passed', async () => {
    repository = createTestRepository();
    repository.commit({ 'a.txt': 'a' }, 'first');
    const { branches, applied, events, advance } = watcher(repository.bare, { fail: true });
    repository.commit({ 'a.txt': 'x' }, 'x', 'feature/x');
    await branches.poll([repository.bare]);
    await branches.poll([repository.bare]);
    expect(applied).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'preview.failed', actor: 'source:dev', message: expect.stringContaining('could not create preview feature-x for branch feature/x: the build failed') });
    advance(5 * 60_000);
    await branches.poll([repository.bare]);
    expect(applied).toHaveLength(2);
  });
});
