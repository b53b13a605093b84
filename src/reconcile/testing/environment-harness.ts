/** For tests: an environment controller over the fake provider, with its events and aborted rollouts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Clock } from '../../core/clock.js';
import { FakeProvider } from '../../providers/fake/fake-provider.js';
import { createDeploymentStore } from '../../store/deployment-store.js';
import { openDatabase } from '../../store/sqlite-store.js';
import type { NewEvent } from '../../store/state-store.js';
import type { Deployment } from '../deployment.js';
import { EnvironmentController } from '../environment-controller.js';
import type { ParallelRun } from '../parallel-run.js';

export interface EnvironmentHarness {
  readonly controller: EnvironmentController;
  readonly fake: FakeProvider;
  readonly events: NewEvent[];
  readonly aborted: Deployment[];
}

export interface EnvironmentHarnessOptions {
  readonly readyOnStart?: boolean;
  /** A table of this version is on the data plane before the controller starts. */
  readonly tableVersion?: number;
  readonly clock?: Clock;
  /** The fake's data plane was left running by an earlier control plane. */
  readonly adoptedDataPlane?: boolean;
}

/** `cleanups` gets what stops the controller and removes its database. */
export function environmentHarness(cleanups: (() => Promise<void> | void)[], options: EnvironmentHarnessOptions = {}): EnvironmentHarness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-environment-'));
  const db = openDatabase(dir);
  const clock = options.clock ?? { now: () => Date.now() };
  const events: NewEvent[] = [];
  const aborted: Deployment[] = [];
  const fakes: FakeProvider[] = [];
  const controller = new EnvironmentController({
    environment: 'dev',
    routerPort: 8080,
    createProvider: (context) => {
      const fake = new FakeProvider(context, { clock, random: () => 0.5, ...(options.readyOnStart === undefined ? {} : { readyOnStart: options.readyOnStart }), adoptedDataPlane: options.adoptedDataPlane === true });
      fakes.push(fake);
      return fake;
    },
    deployments: createDeploymentStore<Deployment, ParallelRun>(db, clock),
    clock,
    logger: pino({ level: 'silent' }),
    emit: (event) => events.push(event),
    rolloutAborted: (deployment) => aborted.push(deployment),
  });
  const fake = fakes[0] as FakeProvider;
  if (options.tableVersion !== undefined) void fake.publishRoutes({ version: options.tableVersion, generatedAt: new Date(0).toISOString(), routes: [] });
  cleanups.push(async () => {
    await controller.shutdown();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { controller, fake, events, aborted };
}
