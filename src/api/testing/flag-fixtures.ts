/** Flags for API tests: a spec with flags in dev and prod, served by the real flag service over SQLite. */
import type Database from 'better-sqlite3';
import { systemClock } from '../../core/clock.js';
import { FlagMetrics } from '../../flags/flag-metrics.js';
import { FlagService } from '../../flags/flag-service.js';
import { parseSpec } from '../../spec/parse.js';
import type { Spec } from '../../spec/schema.js';
import { createFlagStore } from '../../store/flag-store.js';

export const flagSpecText = `name: shop
services:
  catalog:
    start: node server.js
flags:
  new-checkout:
    state: ENABLED
    variants: { "on": true, "off": false }
    defaultVariant: "off"
    targeting:
      fractional: [["on", 20], ["off", 80]]
  banner:
    state: ENABLED
    variants: { plain: plain, fancy: fancy }
    defaultVariant: plain
    targeting:
      if: [{ ends_with: [{ var: email }, "@example.com"] }, fancy]
  old-search:
    state: DISABLED
    variants: { "on": true, "off": false }
    defaultVariant: "on"
environments:
  dev: {}
  prod:
    flags:
      banner: { defaultVariant: fancy }
`;

export function flagSpec(): Spec {
  const parsed = parseSpec(flagSpecText, 'skiff.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

export function createTestFlags(database: Database.Database, spec: Spec = flagSpec()): { flags: FlagService; metrics: FlagMetrics } {
  const metrics = new FlagMetrics();
  return { flags: new FlagService({ store: createFlagStore(database, systemClock), latestSpec: () => spec, metrics }), metrics };
}
