/**
 * GitOps drift of feature flags: a flag changed at run time (`skiff flag set`, `skiff flag
 * rollout`) differs from the flag the followed commit gives. `skiff diff ENV` lists it, `drift:
 * report` marks the environment OutOfSync, and `drift: revert` resets the flag to the commit's
 * within an interval.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepository } from '../../src/sources/testing/git-repository.js';
import type { TestRepository } from '../../src/sources/testing/git-repository.js';
import { echoServer, startPlatform, waitFor } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
let repository: TestRepository | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  repository?.remove();
  repository = undefined;
});

function sourceYaml(bare: string, drift: string): string {
  return `    source: { git: ${bare}, branch: main, path: skiff.yaml, interval: 1s, drift: ${drift} }\n`;
}

function repoSpec(bare: string, drift: string): string {
  return `name: test
services:
  echo:
    path: .
    start: [node, ${JSON.stringify(echoServer)}]
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
flags:
  new-checkout:
    state: ENABLED
    variants: { "on": true, "off": false }
    defaultVariant: "off"
environments:
  dev:
${sourceYaml(bare, drift)}`;
}

interface SyncJson {
  state: string;
  synced: { commit: string } | null;
  changes: { service: string; field: string; applied: unknown; commit: unknown }[];
}

interface FlagJson {
  source: string;
  flag: { state: string; targeting?: unknown };
}

describe('gitops: flag drift', () => {
  it('a flag changed at run time is drift: listed by skiff diff, OutOfSync when reported, reset to the commit when reverted', async () => {
    repository = createTestRepository();
    const first = repository.commit({ 'skiff.yaml': repoSpec(repository.bare, 'report') }, 'a flag');
    platform = await startPlatform({ spec: `name: test\nservices: {}\nenvironments:\n  dev:\n${sourceYaml(repository.bare, 'report')}` });
    const up = platform;
    const sync = async (): Promise<SyncJson> => (await (await up.fetch('/api/v1/environments/dev/sync')).json()) as SyncJson;
    const flag = async (): Promise<FlagJson> => (await (await up.fetch('/api/v1/environments/dev/flags/new-checkout')).json()) as FlagJson;
    await waitFor('the first commit synced', async () => {
      const status = await sync();
      return status.state === 'Synced' && status.synced?.commit === first;
    });

    const set = up.cli(['flag', 'set', 'new-checkout', '--state', 'DISABLED', '--env', 'dev']);
    expect(set.code, set.stderr).toBe(0);
    const drifted = await waitFor('the flag reported as drift', async () => {
      const status = await sync();
      return status.state === 'OutOfSync' ? status : undefined;
    });
    expect(drifted.changes).toContainEqual({ service: '', change: 'update', field: 'flags.new-checkout.state', applied: 'DISABLED', commit: 'ENABLED' });
    const diff = up.cli(['diff', 'dev']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/flags\.new-checkout\.state\s+DISABLED\s+ENABLED/);
    expect((await flag()).source).toBe('runtime');

    // With `drift: revert`, a rollout by hand is undone within an interval: the commit's flag is back.
    const revert = repository.commit({ 'skiff.yaml': repoSpec(repository.bare, 'revert') }, 'revert drift');
    await waitFor('the revert policy synced and the flag reset', async () => {
      const status = await sync();
      return status.synced?.commit === revert && status.state === 'Synced' && (await flag()).source === 'spec';
    });
    const rollout = up.cli(['flag', 'rollout', 'new-checkout', '10%', '--env', 'dev']);
    expect(rollout.code, rollout.stderr).toBe(0);
    await waitFor('the rollout reverted', async () => {
      const current = await flag();
      return current.source === 'spec' && current.flag.state === 'ENABLED' && current.flag.targeting === undefined && (await sync()).state === 'Synced';
    });
    const history = (await (await up.fetch('/api/v1/environments/dev/flags/new-checkout/revisions')).json()) as { action: string; actor: string }[];
    expect(history[0]).toMatchObject({ action: 'reset', actor: 'skiff-sync' });
    const events = (await (await up.fetch('/api/v1/events?type=source.reverted')).json()) as { message: string }[];
    expect(events.some((event) => event.message.includes('flags.new-checkout'))).toBe(true);
    expect(up.cli(['diff', 'dev']).code).toBe(0);
  }, 180_000);
});
