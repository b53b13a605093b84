/**
 * The REST API: `buildApp(deps)` returns the fastify instance with one plugin per resource.
 * Only `main/` calls `listen()`; tests use `inject()`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installAccessControl } from './access-control.js';
import type { AuditPort, TokenPort } from './access-port.js';
import { installAuditLog } from './audit-log.js';
import type { ControlPlane } from './control-plane.js';
import type { FlagsPort } from './flags-port.js';
import type { MonitoringPort } from './monitoring-port.js';
import type { PipelinePort } from './pipeline-port.js';
import type { RolloutPort } from './rollout-port.js';
import type { RunPort } from './run-port.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handler.js';
import { maxRequestBodyBytes } from './request-limits.js';
import { serveOpenApi } from './openapi.js';
import { accessRoutes } from './routes/access.js';
import { alertRoutes } from './routes/alerts.js';
import { artifactRoutes } from './routes/artifacts.js';
import { eventRoutes } from './routes/events.js';
import { flagRoutes } from './routes/flags.js';
import { healthRoutes } from './routes/health.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { homeRoutes } from './routes/home.js';
import { metricsRoutes } from './routes/metrics.js';
import { ofrepRoutes } from './routes/ofrep.js';
import { previewRoutes } from './routes/previews.js';
import { releaseRoutes } from './routes/releases.js';
import { revisionRoutes } from './routes/revisions.js';
import { rolloutRoutes } from './routes/rollouts.js';
import { runRoutes } from './routes/runs.js';
import { secretRoutes } from './routes/secrets.js';
import { serviceRoutes } from './routes/services.js';
import { specRoutes } from './routes/specs.js';
import { statusRoutes } from './routes/status.js';
import { systemRoutes } from './routes/system.js';
import { volumeRoutes } from './routes/volumes.js';
import { certificateRoutes } from './routes/certificates.js';
import type { CertificatePort } from './certificate-port.js';
import { jobRoutes } from './routes/jobs.js';
import type { JobPort } from './job-port.js';
import type { SourcesPort } from './sources-port.js';
import { sourceRoutes } from './routes/sources.js';
import type { PreviewsPort } from './preview-port.js';
import type { VolumePort } from './volume-port.js';
import { zodValidatorCompiler } from './zod-validation.js';

export interface AppDeps {
  readonly controlPlane: ControlPlane;
  /** Verifies the bearer token every route but liveness needs; creates, lists and revokes tokens. */
  readonly tokens: TokenPort;
  /** Where every change asked of the API, and every refused request, is recorded. */
  readonly audit: AuditPort;
  /** A pino logger; without one the API logs nothing. */
  readonly logger?: FastifyBaseLogger;
  readonly version: string;
  /** Pipeline runs; without it the pipeline routes are not served. */
  readonly pipelines?: PipelinePort;
  /** Rollouts and parallel runs; without it those routes are not served. */
  readonly rollouts?: RolloutPort;
  /** Command runs (`skiff run`, release commands); without it those routes are not served. */
  readonly runs?: RunPort;
  /** Metrics, alerts and history; without it those routes are not served. */
  readonly monitoring?: MonitoringPort;
  /** Volumes and their backups; without it those routes are not served. */
  readonly volumes?: VolumePort;
  /** Scheduled jobs and their runs; without it those routes are not served. */
  readonly jobs?: JobPort;
  readonly previews?: PreviewsPort;
  /** The routers' certificates; without it that route is not served. */
  readonly certificates?: CertificatePort;
  /** Feature flags and OFREP; without it those routes are not served. */
  readonly flags?: FlagsPort;
  /** Environments following git repositories and the push webhook; without it those routes are not served. */
  readonly sources?: SourcesPort;
  /** Named in SKIFF_DISK_FULL answers. */
  readonly dataDir?: string;
}


export function buildApp(deps: AppDeps): FastifyInstance {
  // Closing cuts every connection: streams have ended by then (see open-stream.ts), and an
  // HTTP client may hold a connection that never sends a request, which would otherwise keep
  // `close()` waiting for the server's header timeout.
  // No automatic HEAD routes: a HEAD on a streaming route would hold a response open for nothing.
  const options = { bodyLimit: maxRequestBodyBytes, forceCloseConnections: true, exposeHeadRoutes: false, frameworkErrors, clientErrorHandler } as const;
  const app: FastifyInstance = deps.logger
    ? Fastify({ ...options, loggerInstance: deps.logger })
    : Fastify({ ...options, logger: false });
  app.setValidatorCompiler(zodValidatorCompiler);
  installErrorHandling(app, deps.dataDir !== undefined ? { dataDir: deps.dataDir } : {});
  // Before any route, so every route gets them.
  installAccessControl(app, deps.tokens);
  installAuditLog(app, deps.audit);
  serveOpenApi(app, { title: 'Skiff API', version: deps.version });

  const { controlPlane } = deps;
  // First, so its timing hooks see every route.
  if (deps.monitoring) app.register(metricsRoutes(deps.monitoring));
  app.register(homeRoutes());
  app.register(healthRoutes(deps.version));
  app.register(accessRoutes({ tokens: deps.tokens, audit: deps.audit, controlPlane }));
  app.register(specRoutes(controlPlane));
  app.register(statusRoutes(controlPlane, deps.sources));
  app.register(serviceRoutes(controlPlane));
  app.register(artifactRoutes(controlPlane));
  app.register(releaseRoutes(controlPlane));
  app.register(secretRoutes(controlPlane));
  app.register(eventRoutes(controlPlane));
  app.register(revisionRoutes(controlPlane));
  app.register(systemRoutes(controlPlane));
  if (deps.pipelines) app.register(pipelineRoutes(deps.pipelines));
  if (deps.rollouts) app.register(rolloutRoutes(deps.rollouts));
  if (deps.monitoring) app.register(alertRoutes(deps.monitoring));
  if (deps.runs) app.register(runRoutes(deps.runs));
  if (deps.volumes) app.register(volumeRoutes(deps.volumes));
  if (deps.jobs) app.register(jobRoutes(deps.jobs));
  if (deps.sources) app.register(sourceRoutes(deps.sources));
  if (deps.previews) app.register(previewRoutes(deps.previews));
  if (deps.certificates) app.register(certificateRoutes(deps.certificates));
  if (deps.flags) {
    app.register(flagRoutes(deps.flags));
    app.register(ofrepRoutes(deps.flags));
  }
  return app;
}
