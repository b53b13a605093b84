/**
 * For the local provider's tests: a SQLite store in a temporary directory, and the fake driver
 * whose instances answer on their port through a real HTTP server on 127.0.0.1, so the probes
 * see what a user's service would show them.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { InstanceLaunch } from '../../../drivers/driver.js';
import { createFakeDriver } from '../../../drivers/fake/fake-driver.js';
import type { FakeBehaviour, FakeDriver } from '../../../drivers/fake/fake-driver.js';
import { createSqliteStore, openDatabase } from '../../../store/sqlite-store.js';
import type { NewEvent, StateStore } from '../../../store/state-store.js';

interface PortServer {
  readonly server: http.Server;
  readonly listening: Promise<void>;
  statuses: Readonly<Record<string, number>>;
}

/** HTTP servers standing in for instances: each answers 200, or the status given for a path. */
export class PortServers {
  private readonly servers = new Map<number, PortServer>();

  /**
   * From now on the port answers: `statuses` maps request paths to a status (others get 200).
   * Resolves once it listens.
   */
  answer(port: number, statuses: Readonly<Record<string, number>> = {}): Promise<void> {
    const existing = this.servers.get(port);
    if (existing) {
      existing.statuses = statuses;
      return existing.listening;
    }
    const server = http.createServer((request, response) => {
      response.statusCode = entry.statuses[request.url ?? '/'] ?? 200;
      response.end();
    });
    const listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    const entry: PortServer = { server, listening, statuses };
    this.servers.set(port, entry);
    return listening;
  }

  /** The port stops answering: connections are refused from now on. */
  async close(port: number): Promise<void> {
    const entry = this.servers.get(port);
    if (!entry) return;
    this.servers.delete(port);
    await entry.listening;
    entry.server.closeAllConnections();
    await new Promise<void>((resolve) => entry.server.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((port) => this.close(port)));
  }
}

export interface LocalHarness {
  readonly dataDir: string;
  readonly store: StateStore;
  readonly fake: FakeDriver;
  readonly servers: PortServers;
  readonly events: NewEvent[];
  /** Whether a launched instance answers on its port at once (tests turn it off to hold it in `starting`). */
  answerOnLaunch: boolean;
  /** Ends the instance as a crash: its port stops answering and the driver reports the exit. */
  crash(instanceId: string, exitCode?: number): Promise<void>;
  /** The port the instance's latest launch was given. */
  portOf(instanceId: string): number;
  close(): Promise<void>;
}

export function localHarness(options: { readonly behaviour?: (launch: InstanceLaunch) => FakeBehaviour } = {}): LocalHarness {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-local-'));
  const db = openDatabase(dataDir);
  const store = createSqliteStore(db, { now: () => Date.now() });
  const servers = new PortServers();
  const harness: LocalHarness = {
    dataDir,
    store,
    servers,
    events: [],
    answerOnLaunch: true,
    fake: createFakeDriver({
      behaviour: (launch) => {
        if (harness.answerOnLaunch) void servers.answer(launch.port);
        return options.behaviour?.(launch) ?? {};
      },
    }),
    async crash(instanceId, exitCode = 1) {
      await servers.close(harness.portOf(instanceId));
      if (!harness.fake.crash(instanceId, exitCode)) throw new Error(`${instanceId} is not running`);
    },
    portOf(instanceId) {
      const launch = harness.fake.launches().findLast((candidate) => candidate.instanceId === instanceId);
      if (!launch) throw new Error(`${instanceId} was never launched`);
      return launch.port;
    },
    async close() {
      await servers.closeAll();
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
