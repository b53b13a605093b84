/** GitOps: environments that follow a git repository's spec, their drift, and the push webhook. */
export { createExec } from './git-exec.js';
export type { Exec } from './git-exec.js';
export { HookReceiver } from './hook-receiver.js';
export type { HookDelivery, HookPipelines, HookResult } from './hook-receiver.js';
export { RateLimiter } from './rate-limiter.js';
export { SourceFollower } from './source-follower.js';
export type { SyncTarget } from './source-sync.js';
export type { DriftChange } from './drift.js';
export type { SyncStatus } from './sync-status.js';
export { CommitTriggers } from './commit-triggers.js';
export type { CommitTriggerTarget, TriggeredRun } from './commit-triggers.js';
