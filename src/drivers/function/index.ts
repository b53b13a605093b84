export { createFunctionDriver, defaultWarmPoolSize } from './function-driver.js';
export type { FunctionDriver, FunctionDriverOptions } from './function-driver.js';
