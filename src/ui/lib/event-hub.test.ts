/** The dashboard's event stream against the real API server: live events, and a reconnect that replays what was missed. */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { EventRecord } from '../../api/control-plane.js';
import { MemoryControlPlane } from '../../api/testing/memory-control-plane.js';
import { createTestAccess, type TestAccess } from '../../api/testing/test-access.js';
import { createApiClient } from '../../client/api-client.js';
import { EventHub } from './event-hub.js';

let app: FastifyInstance | undefined;
let hub: EventHub | undefined;
let access: TestAccess | undefined;
afterEach(async () => {
  hub?.stop();
  await app?.close();
  access?.close();
  access = undefined;
});

async function serve(controlPlane: MemoryControlPlane, port = 0): Promise<{ app: FastifyInstance; url: string }> {
  access ??= createTestAccess();
  const server = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '1.0.0' });
  const url = await server.listen({ host: '127.0.0.1', port });
  return { app: server, url };
}

describe('EventHub', () => {
  it('delivers live events, and after the server comes back replays the missed ones and asks views to refetch', async () => {
    const controlPlane = new MemoryControlPlane();
    const first = await serve(controlPlane);
    app = first.app;
    const token = access!.token('ana', 'viewer');
    const seen: (EventRecord | null)[] = [];
    hub = new EventHub((onOpen) =>
      createApiClient({
        baseUrl: first.url,
        token,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          onOpen(response.ok);
          return response;
        },
      }),
    );
    hub.subscribe((event) => seen.push(event));
    hub.start();
    await expect.poll(() => hub?.state, { timeout: 5000 }).toBe('live');

    controlPlane.record({ type: 'service.scaled', message: 'one' });
    await expect.poll(() => seen.map((e) => e?.message ?? null), { timeout: 5000 }).toEqual(['one']);

    await app.close();
    await expect.poll(() => hub?.state, { timeout: 5000 }).not.toBe('live');
    controlPlane.record({ type: 'service.scaled', message: 'missed while down' });

    app = (await serve(controlPlane, Number(new URL(first.url).port))).app;
    await expect.poll(() => hub?.state, { timeout: 10_000 }).toBe('live');
    await expect.poll(() => seen.map((e) => e?.message ?? null), { timeout: 5000 }).toEqual(['one', null, 'missed while down']);
  });
});
