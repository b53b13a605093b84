export { startRouter, type RouterHandle, type RouterOptions } from './router.js';
export {
  publishRouteTable,
  fetchRouteTable,
  fetchRouterMetrics,
  routerHealth,
  drainBackends,
  fetchParallelReport,
  resetParallel,
  type RouterHealth,
} from './admin-client.js';
export type { DrainAddress, DrainResult } from './drain.js';
export {
  buildParallelReport,
  type ParallelReport,
  type ParallelRouteReport,
  type ParallelEndpointReport,
  type ParallelDifference,
  type ParallelSample,
  type ReportOptions,
} from './parallel/report.js';
export { parseRouteTable, routeTableSchema } from './route-table-schema.js';
export type { RouterLogger } from './proxy-exchange.js';
export { startRouterPrimary, type PrimaryHandle, type PrimaryOptions } from './cluster-primary.js';
export { runRouterWorker } from './cluster-worker.js';
export { renderPrometheus, mergeSnapshots, type MetricsSnapshot } from './metrics.js';
export { policyDefaults } from './route-policy.js';
