export { buildApp, type AppDeps } from './app.js';
export { httpStatusFor } from './http-status.js';
export { openApiPath, type OpenApiDocument } from './openapi.js';
export { parseRestoreTarget, type ParsedRestoreTarget, type RestoreTarget } from './restore-target.js';
export { type ErrorBody } from './schemas.js';
export { maxSecretValueLength, secretNamePattern } from './secret-rules.js';
export type {
  ApplyResult,
  ArtifactSummary,
  ControlPlane,
  DeployRequest,
  EventQuery,
  EventRecord,
  InstanceState,
  InstanceStatus,
  LogLine,
  LogQuery,
  PlanChange,
  PlanFieldChange,
  PlanResult,
  PromoteRequest,
  ReleaseSummary,
  RestoreResult,
  RevisionSummary,
  RollbackRequest,
  SecretChange,
  SecretInfo,
  ServiceRollout,
  ServiceStatus,
  SpecSource,
  StatusReport,
  ValidationResult,
} from './control-plane.js';
export type { AuditEntry, AuditPort, AuditQuery, NewToken, TokenInfo, TokenPort } from './access-port.js';
export { actorOf, callerOf } from './access-control.js';
export { defaultAccess, type AccessDeclaration, type EnvironmentSource, type RouteAccess } from './route-access.js';
export { tokenNamePattern } from './schemas-access.js';
