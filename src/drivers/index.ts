export type {
  Driver,
  DriverCapabilities,
  DriverFactory,
  InstanceExit,
  InstanceHandle,
  InstanceLaunch,
  InstanceUsage,
  ResourceEnforcement,
  RunningInstance,
  WarmPoolStatus,
} from './driver.js';
export { createDrivers, driverFactories } from './registry.js';
export type { CreateDriversOptions, Drivers } from './registry.js';
export { defaultLogRotation, followLog, instanceLogPath, readLogTail } from './process/index.js';
export type { FollowOptions, LogRotation } from './process/index.js';
