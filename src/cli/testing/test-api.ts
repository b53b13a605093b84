/**
 * The real API for CLI tests: `buildApp` over a control plane (usually the in-memory one) with
 * the test token and audit stores, listening on 127.0.0.1.
 */
import type { FastifyInstance } from 'fastify';
import type { ControlPlane } from '../../api/control-plane.js';
import { buildApp } from '../../api/app.js';
import { createTestAccess, type TestAccess } from '../../api/testing/test-access.js';

export interface TestApi {
  readonly app: FastifyInstance;
  readonly access: TestAccess;
  /** e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startTestApi(controlPlane: ControlPlane): Promise<TestApi> {
  const access = createTestAccess();
  const app = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '1.0.0' });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    access,
    url,
    close: async () => {
      await app.close();
      access.close();
    },
  };
}
