/**
 * The ports access control needs apart from the ControlPlane: tokens (verify, create, list,
 * revoke) and the append-only audit log. `main/` wires the SQLite stores to them.
 */
import type { Caller, Role } from '../core/access.js';

export type { Action, Caller, Grant, Role } from '../core/access.js';

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

export interface TokenPort {
  /** The caller the token stands for; null when it is malformed, unknown or revoked. */
  verify(token: string): Caller | null;
  /** SKIFF_TOKEN_NAME_TAKEN when an unrevoked token has the name. */
  create(options: { readonly name: string; readonly role: Role; readonly environments: readonly string[] | null; readonly createdBy: string }): NewToken;
  /** Unrevoked tokens. */
  list(): readonly TokenInfo[];
  /** SKIFF_TOKEN_NOT_FOUND when no unrevoked token has the name. */
  revoke(name: string): TokenInfo;
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
}

export interface AuditQuery {
  /** Only entries at or after this ISO time. */
  readonly since?: string | undefined;
  /** Only entries of this actor (token name). */
  readonly who?: string | undefined;
  readonly limit: number;
}

/** Append and read only: nothing edits or deletes an entry. */
export interface AuditPort {
  append(entry: Omit<AuditEntry, 'id' | 'time'>): unknown;
  /** Newest first. */
  list(query: AuditQuery): readonly AuditEntry[];
}
