/**
 * Access control for API, client and CLI tests: the real token and audit stores over an in-memory
 * SQLite database, tokens made on demand, and `inject` with a token.
 */
import Database from 'better-sqlite3';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../core/access.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { createAuditStore, type AuditStore } from '../../store/audit-store.js';
import { createTokenStore, type TokenStore } from '../../store/token-store.js';

export interface TestAccess {
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  /** Makes a token (an admin unless told) and returns it. */
  token(name: string, role?: Role, environments?: readonly string[] | null): string;
  close(): void;
}

export function createTestAccess(options: { readonly clock?: Clock; readonly database?: Database.Database } = {}): TestAccess {
  const db = options.database ?? new Database(':memory:');
  const clock = options.clock ?? systemClock;
  const tokens = createTokenStore(db, clock);
  const audit = createAuditStore(db, clock);
  return {
    tokens,
    audit,
    token: (name, role = 'admin', environments = null) => tokens.create({ name, role, environments, createdBy: 'test' }).token,
    close: () => {
      if (!options.database) db.close();
    },
  };
}

export type Inject = (options: string | InjectOptions) => Promise<LightMyRequestResponse>;

/** `app.inject` sending `authorization: Bearer <token>` unless the options set their own. */
export function injectWith(app: FastifyInstance, token: string): Inject {
  return (options) => {
    const request = typeof options === 'string' ? { url: options } : options;
    return app.inject({ ...request, headers: { authorization: `Bearer ${token}`, ...request.headers } });
  };
}
