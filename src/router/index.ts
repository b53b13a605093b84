export { startRouter, type RouterHandle, type RouterOptions } from './router.js';
export { publishRouteTable, fetchRouteTable, routerHealth, type RouterHealth } from './admin-client.js';
export { parseRouteTable, routeTableSchema } from './route-table-schema.js';
export type { RouterLogger } from './proxy-exchange.js';
