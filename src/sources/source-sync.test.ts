import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import { createSqliteStore, openDatabase } from '../store/sqlite-store.js';
import type { NewEvent, StateStore } from '../store/state-store.js';
import { createExec } from './git-exec.js';
import { SourceFollower } from './source-follower.js';
import type { SyncTarget } from './source-sync.js';
import { createTestRepository } from './testing/git-repository.js';
import type { TestRepository } from './testing/git-repository.js';

const service = (name: string): string => `  ${name}:\n    path: .\n    start: [node, server.js]\n`;
const fileWith = (...names: string[]): string => `name: shop\nservices:${names.length === 0 ? ' {}' : `\n${names.map(service).join('')}`}\n`;

function bootstrap(bare: string, extra = ''): Spec {
  const parsed = parseSpec(`name: shop\nservices: {}\nenvironments:\n  dev:\n    source:\n      git: ${bare}\n      interval: 1h\n${extra}`, 'skiff.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

let root: string;
let repository: TestRepository;
let store: StateStore;
let events: NewEvent[];
let follower: SourceFollower;

/** The control plane's apply, reduced to saving the revision (the e2e test runs the real one). */
function target(): SyncTarget {
  return {
    latest: () => store.latestRevision(),
    revision: (id) => store.revision(id),
    machineCheck: () => [],
    applySynced: async (request) => {
      const hash = JSON.stringify(request.spec);
      const latest = store.latestRevision();
      if (latest?.hash === hash) return { revision: latest, changed: false };
      const revision = store.saveRevision({ hash, spec: request.spec, baseDir: request.baseDir, releases: {}, author: request.author, message: request.message, sourceFile: null, sourceHash: null, commit: request.commit });
      return { revision, changed: true };
    },
    // No flags in these files: flag drift has its own tests (flag-drift.test.ts, e2e gitops-flags).
    flags: () => [],
    resetFlag: () => undefined,
    emit: (event) => events.push(event),
    getMeta: (key) => store.getMeta(key),
    setMeta: (key, value) => store.setMeta(key, value),
  };
}

function start(spec: Spec): void {
  store.saveRevision({ hash: 'bootstrap', spec, baseDir: root, releases: {}, author: 'me', message: 'bootstrap', sourceFile: null, sourceHash: null });
  follower = new SourceFollower({ target: target(), dataDir: path.join(root, 'data'), exec: createExec({ PATH: process.env.PATH ?? '' }), clock: systemClock, onError: (_, error) => { throw error; } });
}

const services = (): string[] => Object.keys(store.latestRevision()?.spec.services ?? {});

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sync-'));
  repository = createTestRepository();
  store = createSqliteStore(openDatabase(path.join(root, 'data')), systemClock);
  events = [];
});

afterEach(() => {
  store.close();
  repository.remove();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('SourceSync', () => {
  it('refuses a commit after a force-push that dropped the synced one, and takes it when forced', async () => {
    const base = repository.commit({ 'skiff.yaml': fileWith('web') }, 'web');
    const synced = repository.commit({ 'skiff.yaml': fileWith('web', 'api') }, 'add api');
    start(bootstrap(repository.bare));
    expect((await follower.syncNow('dev')).synced?.commit).toBe(synced);
    repository.forcePushTo(base);
    const rewritten = repository.commit({ 'skiff.yaml': fileWith('web', 'worker') }, 'worker instead');

    const refused = await follower.syncNow('dev');
    expect(refused.state).toBe('Refused');
    expect(refused.error).toMatchObject({ code: 'SKIFF_SOURCE_FORCE_PUSHED', commit: rewritten });
    expect(refused.error?.message).toContain(synced.slice(0, 12));
    expect(refused.error?.hint).toContain('skiff sync now dev --force');
    expect(services()).toEqual(['web', 'api']);
    await follower.syncNow('dev');
    expect(events.filter((event) => event.type === 'source.refused')).toHaveLength(1);
    // A later commit on the rewritten branch is refused the same way (told again for the new commit): nothing applied.
    const later = repository.commit({ 'skiff.yaml': fileWith('web', 'worker', 'cron') }, 'cron too');
    expect((await follower.syncNow('dev')).error).toMatchObject({ code: 'SKIFF_SOURCE_FORCE_PUSHED', commit: later });
    expect(services()).toEqual(['web', 'api']);

    const forced = await follower.syncNow('dev', { force: true });
    expect(forced).toMatchObject({ state: 'Synced', error: null });
    expect(forced.synced?.commit).toBe(later);
    // Without prune, the service the file no longer has is kept.
    expect(services().sort()).toEqual(['api', 'cron', 'web', 'worker']);
    // Not stuck: the next commit on the new history syncs without --force.
    const next = repository.commit({ 'skiff.yaml': fileWith('web', 'worker', 'cron', 'mail') }, 'mail');
    expect((await follower.syncNow('dev')).synced?.commit).toBe(next);
  });

  it('reports an unreachable repository and a missing branch as Unreachable, applying nothing', async () => {
    start(bootstrap(path.join(root, 'no-such-repository.git')));
    const status = await follower.syncNow('dev');
    expect(status.state).toBe('Unreachable');
    expect(status.error?.code).toBe('SKIFF_SOURCE_UNREACHABLE');
    expect(status.error?.message).toContain('no-such-repository.git');
    expect(store.latestRevision()?.message).toBe('bootstrap');
    expect(events.map((event) => event.type)).toEqual(['source.unreachable']);
  });

  it('refuses a commit that removes every service unless prune and allowEmpty are set', async () => {
    repository.commit({ 'skiff.yaml': fileWith('web', 'api') }, 'two services');
    start(bootstrap(repository.bare, '      prune: true\n'));
    await follower.syncNow('dev');
    const emptied = repository.commit({ 'skiff.yaml': fileWith() }, 'remove everything');
    const refused = await follower.syncNow('dev');
    expect(refused.error).toMatchObject({ code: 'SKIFF_SOURCE_EMPTY', commit: emptied });
    expect(services()).toEqual(['web', 'api']);

    const allowed = repository.commit({ 'skiff.yaml': `${fileWith()}environments:\n  dev:\n    source:\n      git: ${repository.bare}\n      interval: 1h\n      prune: true\n      allowEmpty: true\n` }, 'allow it');
    const synced = await follower.syncNow('dev');
    expect(synced.synced?.commit).toBe(allowed);
    expect(services()).toEqual([]);
  });

  it('prunes the services the file dropped only with prune: true', async () => {
    repository.commit({ 'skiff.yaml': fileWith('web', 'api') }, 'two services');
    start(bootstrap(repository.bare, '      prune: true\n'));
    await follower.syncNow('dev');
    repository.commit({ 'skiff.yaml': fileWith('web') }, 'drop api');
    await follower.syncNow('dev');
    expect(services()).toEqual(['web']);
    expect(events.find((event) => event.type === 'source.synced' && event.message.includes('pruned api'))).toBeDefined();
  });

  it('reports a commit without the spec file, and runs services from a clean tree of the commit', async () => {
    const first = repository.commit({ 'skiff.yaml': fileWith('web'), 'server.js': 'first' }, 'web');
    start(bootstrap(repository.bare));
    await follower.syncNow('dev');
    const baseDir = store.latestRevision()?.baseDir as string;
    expect(baseDir).toContain(first);
    expect(fs.readFileSync(path.join(baseDir, 'server.js'), 'utf8')).toBe('first');
    expect(fs.existsSync(path.join(baseDir, '.git'))).toBe(false);

    const moved = repository.commit({ 'skiff.yaml': null, 'deploy/skiff.yaml': fileWith('web') }, 'move the file');
    const status = await follower.syncNow('dev');
    expect(status.error).toMatchObject({ code: 'SKIFF_SOURCE_FILE_MISSING', commit: moved });
  });
});
