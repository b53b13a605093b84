/**
 * The router stopping (SIGTERM, or a worker draining after a successor primary took over): a
 * connection accepted before the drain began, whose request comes only after it, is answered
 * (with `Connection: close`), not reset; a connection that never sends one is closed after a
 * short grace, and the drain ends well before its timeout.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { get, rawClient, type RawClient } from './fast-path/raw-fixtures.js';
import { startRouter } from './router.js';
import { route, table, waitFor } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope();
const drainTimeoutMs = 5_000;

function connected(client: RawClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.socket.once('connect', resolve);
    client.socket.once('error', reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('router stopping', () => {
  for (const fastPath of [true, false]) {
    it(`answers requests sent after the drain began on connections accepted before it (fast path ${fastPath ? 'on' : 'off'})`, async () => {
      const [a] = await scope.backends('a');
      const router = await startRouter({ listenHost: '127.0.0.1', port: 0, fastPath, drainTimeoutMs });
      scope.cleanups.push(() => router.close());
      await router.publish(table(1, [route({ backends: [a!.asRouteBackend()] })]));
      const fresh = rawClient(router.port);
      await connected(fresh);
      const silent = rawClient(router.port);
      await connected(silent);
      // Accepted in order: once `kept` is answered, the router holds the other two as well.
      const kept = rawClient(router.port);
      for (const client of [fresh, silent, kept]) scope.cleanups.push(async () => client.socket.destroy());
      kept.send(get('/first'));
      expect((await kept.answers(1))[0]!.status).toBe(200);

      const started = performance.now();
      const closing = router.close();
      await waitFor(() => refused(router.port), 2_000, 'the router to stop accepting');
      fresh.send(get('/late-first'));
      kept.send(get('/late-second'));
      const [late] = await fresh.answers(1);
      const [second] = await kept.answers(1);

      for (const answer of [late!, second!]) {
        expect(answer.status).toBe(200);
        expect(answer.headers.connection).toBe('close');
      }
      expect(a!.seen.map((seen) => seen.url)).toEqual(['/first', '/late-first', '/late-second']);
      await closing;
      expect(performance.now() - started).toBeLessThan(drainTimeoutMs - 1_000);
      await Promise.all([fresh.closed, kept.closed, silent.closed]);
    });
  }
});
