/** What `skiff sync status` shows of an environment that follows a git repository. */
import type { ErrorCode, ErrorDetail } from '../core/errors.js';
import type { DriftPolicy } from '../spec/schema-source.js';
import type { DriftChange } from './drift.js';
import type { CommitInfo } from './git-mirror.js';

/**
 * `Synced`: what is applied is the newest commit; `OutOfSync`: it differs from its commit (drift);
 * `Refused`: the newest commit was not applied (invalid file, rewritten branch, emptied system);
 * `Unreachable`: the repository could not be fetched; `Pending`: not fetched yet.
 */
export type SyncState = 'Synced' | 'OutOfSync' | 'Refused' | 'Unreachable' | 'Pending';

export interface SyncError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint: string | null;
  /** The commit refused, when one was. */
  readonly commit: string | null;
  readonly details: readonly ErrorDetail[];
}

export interface SyncedCommit {
  readonly commit: string;
  readonly revision: number;
  readonly at: string;
}

export interface SyncStatus {
  readonly environment: string;
  readonly repository: string;
  readonly branch: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly drift: DriftPolicy;
  readonly prune: boolean;
  readonly state: SyncState;
  /** The newest commit of the branch, as last fetched. */
  readonly head: CommitInfo | null;
  /** The commit applied last, and its revision. */
  readonly synced: SyncedCommit | null;
  readonly error: SyncError | null;
  readonly changes: readonly DriftChange[];
  readonly lastFetchAt: string | null;
}
