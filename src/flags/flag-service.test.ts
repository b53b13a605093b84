import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import { createFlagStore } from '../store/flag-store.js';
import { openDatabase } from '../store/sqlite-store.js';
import { FlagMetrics } from './flag-metrics.js';
import { FlagService } from './flag-service.js';

function specWith(defaultVariant: string): Spec {
  const parsed = parseSpec(
    `name: shop
services:
  web: { start: node web.js }
flags:
  new-checkout:
    state: ENABLED
    variants: { "on": true, "off": false, "beta": true }
    defaultVariant: "${defaultVariant}"
environments:
  dev: {}
`,
    'skiff.yaml',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-flag-service-'));
  db = openDatabase(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('run-time changes and the spec', () => {
  it('a run-time change wins over a newly applied spec until reset, which brings the new spec\'s definition', () => {
    let spec = specWith('off');
    const flags = new FlagService({ store: createFlagStore(db, systemClock), latestSpec: () => spec, metrics: new FlagMetrics() });
    flags.change({ environment: 'dev', key: 'new-checkout', change: { kind: 'rollout', percent: 10, variant: 'beta' }, actor: 'ana' });
    spec = specWith('on');
    expect(flags.get('dev', 'new-checkout')).toMatchObject({ source: 'runtime', flag: { defaultVariant: 'off', targeting: { fractional: [['beta', 10], ['off', 90]] } } });
    expect(flags.evaluate('dev', 'new-checkout', {})).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });

    const reset = flags.reset({ environment: 'dev', key: 'new-checkout', actor: 'ana' });
    expect(reset.flag).toMatchObject({ source: 'spec', flag: { defaultVariant: 'on' } });
    expect(flags.evaluate('dev', 'new-checkout', {})).toMatchObject({ value: true, variant: 'on', reason: 'STATIC' });
    expect(flags.revisions('dev', 'new-checkout', 10).map((revision) => [revision.action, revision.actor, revision.runtime])).toEqual([
      ['reset', 'ana', false],
      ['rollout', 'ana', true],
    ]);
  });

  it('a rollout needs a variant that is plainly the new one when two could be', () => {
    const flags = new FlagService({ store: createFlagStore(db, systemClock), latestSpec: () => specWith('off'), metrics: new FlagMetrics() });
    expect(() => flags.change({ environment: 'dev', key: 'new-checkout', change: { kind: 'rollout', percent: 10 }, actor: 'ana' })).toThrow(/no variant that is plainly the new one/);
    expect(() => flags.change({ environment: 'dev', key: 'new-checkout', change: { kind: 'rollout', percent: 10, variant: 'off' }, actor: 'ana' })).toThrow(/is the default variant/);
    expect(flags.get('dev', 'new-checkout').source).toBe('spec');
  });
});
