export { environmentManifests } from './environment-manifests.js';
export type { KubernetesObject } from './environment-manifests.js';
export { exportRouteTable } from './route-table.js';
export { dnsLabel } from './names.js';
export { containerPort, drainSeconds } from './input.js';
export type { EnvironmentManifestInput, ReleaseWorkload } from './input.js';
