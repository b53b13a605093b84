/**
 * The ports access control needs apart from the ControlPlane: tokens (verify, create, list,
 * revoke) and the append-only audit log. `main/` wires the SQLite stores to them.
 */
import type { Caller } from '../core/access.js';
import type { AuditEntry, AuditQuery, NewAuditEntry, NewToken, NewTokenOptions, TokenInfo } from '../core/access-records.js';

export type { Action, Caller, Grant, Role } from '../core/access.js';
export type { AuditEntry, AuditQuery, NewAuditEntry, NewToken, NewTokenOptions, TokenInfo } from '../core/access-records.js';

export interface TokenPort {
  /** The caller the token stands for; null when it is malformed, unknown or revoked. */
  verify(token: string): Caller | null;
  /** SKIFF_TOKEN_NAME_TAKEN when an unrevoked token has the name. */
  create(options: NewTokenOptions): NewToken;
  /** Unrevoked tokens. */
  list(): readonly TokenInfo[];
  /** SKIFF_TOKEN_NOT_FOUND when no unrevoked token has the name. */
  revoke(name: string): TokenInfo;
}

/** Append and read only: nothing edits or deletes an entry. */
export interface AuditPort {
  append(entry: NewAuditEntry): unknown;
  /** A refused request (401/403): counted in one entry per client and minute. */
  appendRefusal(entry: NewAuditEntry): unknown;
  /** Newest first. */
  list(query: AuditQuery): readonly AuditEntry[];
}
