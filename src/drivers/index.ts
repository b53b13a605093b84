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
} from './driver.js';
export { createDrivers, driverFactories } from './registry.js';
export type { CreateDriversOptions, Drivers } from './registry.js';
export { followLog, instanceLogPath, readLogTail, rotateLogIfLarge } from './process/index.js';
export type { FollowOptions, LogRotation } from './process/index.js';
