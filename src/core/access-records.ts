/**
 * The records of access control as plain data: API tokens (without their secret) and audit log
 * entries. The store keeps them and the API serves them.
 */
import type { Role } from './access.js';

export interface TokenInfo {
  /** The public part of the token (`skiff_<id>_…`), to tell tokens apart; not a secret. */
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Environments a deployer may change; null: every environment. */
  readonly environments: readonly string[] | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** A token just made: the only time the plain token is shown. */
export interface NewToken extends TokenInfo {
  readonly token: string;
}

export interface NewTokenOptions {
  readonly name: string;
  readonly role: Role;
  readonly environments: readonly string[] | null;
  readonly createdBy: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly time: string;
  /** The token's name; null when no valid token was sent. */
  readonly actor: string | null;
  readonly role: string | null;
  readonly method: string;
  /** The route pattern, e.g. `/api/v1/environments/:env/services/:service/scale`. */
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  /** What was asked, for people; never a secret value or a token. */
  readonly summary: string;
  /** The client's address. */
  readonly address: string;
  readonly status: number;
  /** The error code of a failed request. */
  readonly code: string | null;
  /**
   * How many requests the entry stands for: 1 for a change; for refused requests, all those of
   * one client (address and token) in the minute from `time`, which is the first one's.
   */
  readonly count: number;
}

/** An entry to append: the log gives it its id, time and count. */
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time' | 'count'>;

export interface AuditQuery {
  /** Only entries at or after this ISO time. */
  readonly since?: string | undefined;
  /** Only entries of this actor (token name). */
  readonly who?: string | undefined;
  readonly limit: number;
}
