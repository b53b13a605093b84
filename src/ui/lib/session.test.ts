/** Signing in against the real API server: a token is checked before it is kept, and a 401 signs out. */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { MemoryControlPlane } from '../../api/testing/memory-control-plane.js';
import { createTestAccess, type TestAccess } from '../../api/testing/test-access.js';
import { createApiClient } from '../../client/api-client.js';
import { SkiffError } from '../../core/errors.js';
import { SessionStore, type SessionState } from './session.js';
import { memoryTokenStorage, type TokenStorage } from './token-store.js';

let app: FastifyInstance;
let access: TestAccess;
let url: string;

beforeEach(async () => {
  access = createTestAccess();
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, version: '1.0.0' });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  await app.close();
  access.close();
});

function store(storage: TokenStorage, sleep?: (ms: number) => Promise<void>): { sessions: SessionStore; states: SessionState['kind'][] } {
  const sessions = new SessionStore({
    storage,
    verify: (token) => createApiClient({ baseUrl: url, token }).session(),
    describe: (error) => (error instanceof SkiffError ? `${error.code}: ${error.message}` : String(error)),
    ...(sleep ? { sleep } : {}),
  });
  const states: SessionState['kind'][] = [];
  sessions.subscribe((state) => states.push(state.kind));
  return { sessions, states };
}

describe('SessionStore', () => {
  it('keeps a token only once the server accepts it, with the role and environments it grants', async () => {
    const storage = memoryTokenStorage();
    const { sessions, states } = store(storage);
    expect(sessions.state).toEqual({ kind: 'signed-out' });

    await sessions.signIn('skiff_nosuch_secret');
    expect(sessions.state.kind).toBe('signed-out');
    expect(sessions.state.kind === 'signed-out' && sessions.state.problem).toMatch(/^SKIFF_UNAUTHORIZED: /);
    expect(storage.read()).toBeNull();

    const token = access.token('dora', 'deployer', ['dev']);
    await sessions.signIn(`  ${token}\n`);
    expect(sessions.state).toEqual({ kind: 'signed-in', session: { name: 'dora', role: 'deployer', environments: ['dev'] } });
    expect(storage.read()).toBe(token);
    expect(states).toEqual(['checking', 'signed-out', 'checking', 'signed-in']);
  });

  it('checks a stored token at start, and signs out with the reason when it is later refused', async () => {
    const token = access.token('vera', 'viewer');
    const storage = memoryTokenStorage(token);
    const { sessions } = store(storage);
    expect(sessions.state.kind).toBe('checking');
    await sessions.start();
    expect(sessions.state).toEqual({ kind: 'signed-in', session: { name: 'vera', role: 'viewer', environments: null } });

    access.tokens.revoke('vera');
    const refused = await createApiClient({ baseUrl: url, token }).environments().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SkiffError);
    sessions.rejected((refused as SkiffError).message);
    expect(sessions.state.kind).toBe('signed-out');
    expect(sessions.state.kind === 'signed-out' && sessions.state.problem).toMatch(/^Signed out: /);
    expect(storage.read()).toBeNull();

    // A stored token that no longer works is dropped at the next start.
    storage.write(token);
    const again = store(storage).sessions;
    await again.start();
    expect(again.state.kind).toBe('signed-out');
    expect(storage.read()).toBeNull();
  });

  it('keeps a stored token while the server cannot be reached, and signs in once it answers', async () => {
    const token = access.token('ana');
    const port = Number(new URL(url).port);
    await app.close();
    const storage = memoryTokenStorage(token);
    const waits: number[] = [];
    const { sessions } = store(storage, async (ms) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const started = sessions.start();
    await expect.poll(() => sessions.state, { timeout: 5_000 }).toMatchObject({ kind: 'checking', problem: expect.stringMatching(/^SKIFF_API_UNREACHABLE: .*; trying again$/) });
    expect(storage.read()).toBe(token);

    app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, version: '1.0.0' });
    await app.listen({ host: '127.0.0.1', port });
    await started;
    expect(sessions.state).toEqual({ kind: 'signed-in', session: { name: 'ana', role: 'admin', environments: null } });
    // Backing off between attempts, up to a bound.
    expect(waits[0]).toBe(1_000);
    expect(waits.every((ms, index) => index === 0 || ms >= (waits[index - 1] ?? 0))).toBe(true);
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000);
  });

  it('asks for a token when the field is empty, without calling the server', async () => {
    const { sessions, states } = store(memoryTokenStorage());
    await sessions.signIn('   ');
    expect(sessions.state).toEqual({ kind: 'signed-out', problem: 'Paste a token to sign in.' });
    expect(states).toEqual(['signed-out']);
  });
});
