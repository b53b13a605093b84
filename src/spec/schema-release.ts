/** A service's release command: run once per new release, before any of its instances gets traffic. */
import { z } from 'zod';
import { commandSchema, durationSchema } from './schema-values.js';

/** How long a release command may run unless the spec says. */
export const defaultReleaseTimeoutMs = 5 * 60_000;

export const releaseCommandSchema = z
  .strictObject({
    command: commandSchema.describe("run with the new release's artifact, config and secrets, through its driver, no shell; exit code 0 lets the rollout go on"),
    timeout: durationSchema
      .default(defaultReleaseTimeoutMs)
      .describe('how long it may run before it is killed with its process group and the deployment stops (default 5m)'),
  })
  .describe('a command run once per new release (a database migration), after its artifact and config are resolved and before any of its instances receives traffic');

export type ReleaseCommandSpec = z.output<typeof releaseCommandSchema>;
