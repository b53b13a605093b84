export { createProcessDriver, instanceLogPath } from './process-driver.js';
export type { ProcessDriverOptions } from './process-driver.js';
export { defaultLogRotation, followLog, readLogTail } from './log-rotation.js';
export type { FollowOptions, LogRotation } from './log-rotation.js';
export { detectCgroups } from './cgroups.js';
export type { CgroupDetection } from './cgroups.js';
