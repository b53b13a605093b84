import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { RouteTable } from '../core/route-table.js';
import { RoutePublisher } from './route-publisher.js';

const table = (version: number): RouteTable => ({ version, generatedAt: new Date(0).toISOString(), routes: [] });

/** A data plane that, like the router, refuses a table older than the one it routes with. */
function dataPlane(routesWith: number) {
  const plane = {
    version: routesWith,
    received: [] as number[],
    async send(sent: RouteTable): Promise<void> {
      if (sent.version <= plane.version) throw new Error(`routing table version ${sent.version} is older than the router's version ${plane.version}`);
      plane.version = sent.version;
      plane.received.push(sent.version);
    },
  };
  return plane;
}

describe('RoutePublisher', () => {
  it('continues from the version the data plane routes with, however large, and never depends on the clock', async () => {
    const plane = dataPlane(9_000_000_000_000);
    const publisher = new RoutePublisher({ build: table, send: plane.send, logger: pino({ level: 'silent' }), currentVersion: async () => plane.version });
    await publisher.request();
    await publisher.request();
    expect(plane.received).toEqual([9_000_000_000_001, 9_000_000_000_002]);
  });

  it('asks the data plane again after a refused table, and merged callers never see the failure', async () => {
    const plane = dataPlane(0);
    const publisher = new RoutePublisher({ build: table, send: plane.send, logger: pino({ level: 'silent' }), currentVersion: async () => plane.version });
    await publisher.request();
    // Another control plane (or a restarted router's saved table) moved the data plane ahead.
    plane.version = 50;
    const merged = [publisher.request(), publisher.request(), publisher.request()];
    await expect(Promise.all(merged)).resolves.toBeDefined();
    expect(plane.received).toEqual([1]);
    await publisher.request();
    expect(plane.received).toEqual([1, 51]);
  });
});
