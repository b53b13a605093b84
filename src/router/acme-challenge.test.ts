/**
 * The router process answers ACME HTTP-01 challenges from its table on the plain HTTP listener,
 * before any route (a catch-all route included), on the fast path's connections too.
 */
import { describe, expect, it } from 'vitest';
import { publishRouteTable } from './admin-client.js';
import { route, table, TestClient } from './test-fixtures.js';
import { processScope } from './testing/processes.js';

const scope = processScope('skiff-router-acme-');

describe('ACME HTTP-01 challenges', () => {
  it('answers a token of the table with its key authorization and sends other paths to the route', async () => {
    const [app] = await scope.backends('app');
    const router = scope.spawnRouter();
    const port = await router.port();
    const client = new TestClient(`http://127.0.0.1:${port}`);
    scope.cleanups.push(() => client.close());
    const routes = [route({ host: 'shop.test', backends: [app!.asRouteBackend()] })];
    await publishRouteTable(router.socket, { ...table(1, routes), tls: { certificates: [], acmeChallenges: { 'tok-1_A': 'tok-1_A.thumbprint' } } });

    const answer = await client.send('/.well-known/acme-challenge/tok-1_A', { headers: { host: 'shop.test' } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('tok-1_A.thumbprint');
    // A host the table does not route is answered too: the CA asks for the host being validated.
    expect((await client.send('/.well-known/acme-challenge/tok-1_A', { headers: { host: 'other.test' } })).text).toBe('tok-1_A.thumbprint');
    const unknown = await client.send('/.well-known/acme-challenge/unknown', { headers: { host: 'shop.test' } });
    expect(JSON.parse(unknown.text)).toMatchObject({ backend: 'app' });
    expect(app!.seen.map((seen) => seen.url)).toEqual(['/.well-known/acme-challenge/unknown']);

    await publishRouteTable(router.socket, table(2, routes));
    expect(JSON.parse((await client.send('/.well-known/acme-challenge/tok-1_A', { headers: { host: 'shop.test' } })).text)).toMatchObject({ backend: 'app' });
  });
});
