/** The environment variables Skiff reads (all in this folder), described once for docs/cli.md. */
import { defaultApiPort, defaultDataDir, defaultEnvironment, defaultFunctionWarmPool, defaultRetentionDays, defaultRetentionIntervalMinutes, defaultRetentionRows, defaultRouterPort } from './server-config.js';

export interface EnvironmentVariable {
  readonly name: string;
  /** Who reads it: every command (`cli`), `skiff up` (`server`), or both. */
  readonly readBy: 'cli' | 'server' | 'both';
  readonly description: string;
  readonly default?: string;
}

export const environmentVariables: readonly EnvironmentVariable[] = [
  { name: 'SKIFF_ENV', readBy: 'both', default: defaultEnvironment, description: 'the environment commands act on when they take `--env` and it is not given; the environment `skiff up` runs' },
  { name: 'SKIFF_API', readBy: 'cli', default: `http://127.0.0.1:${defaultApiPort}`, description: 'the URL of the Skiff API the commands talk to' },
  { name: 'SKIFF_API_PORT', readBy: 'both', default: String(defaultApiPort), description: 'the port of the API and dashboard `skiff up` listens on (and, without SKIFF_API, the one the commands call)' },
  { name: 'SKIFF_ROUTER_PORT', readBy: 'server', default: String(defaultRouterPort), description: 'the port of the router of the environment `skiff up` runs' },
  { name: 'SKIFF_TOKEN', readBy: 'cli', description: 'the API token sent by the commands (default: the token file `skiff up` writes in the data directory)' },
  { name: 'SKIFF_DATA', readBy: 'both', default: defaultDataDir, description: 'the data directory: the state of `skiff up`, and where the commands find its local token' },
  { name: 'SKIFF_LOG_LEVEL', readBy: 'server', default: 'info', description: 'how much `skiff up` logs: trace, debug, info, warn, error or fatal' },
  { name: 'SKIFF_SECRET_KEY', readBy: 'server', description: 'the key that encrypts secrets (default: a key file created in the data directory)' },
  { name: 'SKIFF_ACME_CA_FILE', readBy: 'server', description: 'PEM CA certificates trusted for ACME directories besides the system ones (a test CA such as pebble)' },
  { name: 'SKIFF_FUNCTION_WARM_POOL', readBy: 'server', default: String(defaultFunctionWarmPool), description: 'function runtimes kept started once a function runs on this machine' },
  { name: 'SKIFF_EVENTS_RETENTION_DAYS', readBy: 'server', default: String(defaultRetentionDays), description: 'days events are kept' },
  { name: 'SKIFF_EVENTS_MAX_ROWS', readBy: 'server', default: String(defaultRetentionRows), description: 'most events kept' },
  { name: 'SKIFF_AUDIT_RETENTION_DAYS', readBy: 'server', default: String(defaultRetentionDays), description: 'days audit entries stay in the database (older ones move to the archive file)' },
  { name: 'SKIFF_AUDIT_MAX_ROWS', readBy: 'server', default: String(defaultRetentionRows), description: 'most audit entries kept in the database' },
  { name: 'SKIFF_RETENTION_INTERVAL_MINUTES', readBy: 'server', default: String(defaultRetentionIntervalMinutes), description: 'how often the retention above is applied' },
  { name: 'SKIFF_REGISTRY_*', readBy: 'server', description: "registry passwords or tokens: the one a kubernetes environment's `kubernetes.registryCredentials.passwordEnv` names" },
  { name: 'DOCKER_HOST', readBy: 'server', default: 'unix:///var/run/docker.sock', description: 'the Docker engine that runs docker services' },
  { name: 'SKIFF_WAKE_TRACE', readBy: 'server', description: 'a file where the router, the control plane and the function runtime append a timestamp for each step of a wake from zero (for `node bench/cold-start.js --only d --trace`); unset: off' },
];
