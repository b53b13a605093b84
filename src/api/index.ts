export { buildApp, type AppDeps } from './app.js';
export { httpStatusFor } from './http-status.js';
export { openApiPath, type OpenApiDocument } from './openapi.js';
export type { ErrorBody } from './schemas.js';
export type {
  ApplyResult,
  ArtifactSummary,
  ControlPlane,
  EventQuery,
  EventRecord,
  InstanceState,
  InstanceStatus,
  LogLine,
  LogQuery,
  ReleaseSummary,
  RevisionSummary,
  ServiceStatus,
  SpecSource,
  StatusReport,
  ValidationResult,
} from './control-plane.js';
