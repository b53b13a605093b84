/** GitOps: environments that follow a git repository's spec, their drift, and the push webhook. */
export { createExec } from './git-exec.js';
export type { Exec } from './git-exec.js';
export { HookReceiver } from './hook-receiver.js';
export type { HookDelivery, HookResult } from './hook-receiver.js';
export { RateLimiter } from './rate-limiter.js';
export { SourceFollower } from './source-follower.js';
export type { SyncTarget } from './source-sync.js';
export type { DriftChange } from './drift.js';
export type { SyncStatus } from './sync-status.js';
export { CommitTriggers } from './commit-triggers.js';
export type { CommitTriggerTarget, TriggeredRun } from './commit-triggers.js';
export { BranchCheckouts } from './branch-checkouts.js';
export type { BranchTip } from './branch-checkouts.js';
export { BranchPreviews } from './branch-previews.js';
export type { BranchPreviewTarget } from './branch-previews.js';
export type { BranchPreview, BranchPreviewAction } from './branch-preview-plan.js';
export { branchRepositories } from './branch-repositories.js';
export type { BranchRepository } from './branch-repositories.js';
