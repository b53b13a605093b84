/**
 * GitOps as the API sees it: the sync state of environments that follow a git repository, their
 * drift, a sync on request, and the push webhook. `main/` wires the sources module to it.
 */
import type { ErrorCode, ErrorDetail } from '../core/errors.js';

export type SyncStateName = 'Synced' | 'OutOfSync' | 'Refused' | 'Unreachable' | 'Pending';

export interface CommitView {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  readonly time: string;
  readonly subject: string;
}

export interface DriftChangeView {
  readonly service: string;
  readonly change: 'add' | 'remove' | 'update';
  readonly field: string;
  readonly applied: unknown;
  readonly commit: unknown;
}

export interface SyncStatusView {
  readonly environment: string;
  readonly repository: string;
  readonly branch: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly drift: 'report' | 'revert';
  readonly prune: boolean;
  readonly state: SyncStateName;
  readonly head: CommitView | null;
  readonly synced: { readonly commit: string; readonly revision: number; readonly at: string } | null;
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly hint: string | null;
    readonly commit: string | null;
    readonly details: readonly ErrorDetail[];
  } | null;
  readonly changes: readonly DriftChangeView[];
  readonly lastFetchAt: string | null;
}

export interface DiffView {
  readonly status: SyncStatusView;
  readonly changes: readonly DriftChangeView[];
}

export interface HookResultView {
  readonly syncing: readonly string[];
  readonly ignored: readonly string[];
  readonly pipelines: readonly string[];
  readonly ignoredPipelines: readonly string[];
}

export interface SourcesPort {
  /** SKIFF_SOURCE_NOT_FOLLOWED when the environment follows no repository. */
  status(environment: string): SyncStatusView;
  /** Null when the environment follows no repository. */
  statusOrNull(environment: string): SyncStatusView | null;
  statuses(): readonly SyncStatusView[];
  sync(environment: string, options: { readonly force: boolean }): Promise<SyncStatusView>;
  diff(environment: string): Promise<DiffView>;
  /** SKIFF_WEBHOOK_RATE_LIMITED, SKIFF_WEBHOOK_SIGNATURE_INVALID. */
  hook(delivery: { readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>; readonly body: Buffer; readonly address: string }): HookResultView;
}
