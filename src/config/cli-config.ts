/** The only reader of process.env for the `skiff` client commands. */
import { SkiffError } from '../core/errors.js';
import { defaultApiPort, defaultEnvironment } from './server-config.js';

export interface CliConfig {
  /** Base URL of the Skiff API, without a trailing slash. */
  readonly apiUrl: string;
  /** Environment the commands act on unless `--env` says otherwise. */
  readonly environment: string;
}

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  // Without SKIFF_API, follow SKIFF_API_PORT so `SKIFF_API_PORT=7071 skiff up` and `skiff status` agree.
  const apiUrl = env.SKIFF_API || `http://127.0.0.1:${env.SKIFF_API_PORT || defaultApiPort}`;
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SkiffError('SKIFF_BAD_REQUEST', `SKIFF_API=${apiUrl} is not an http(s) URL`, {
      path: 'SKIFF_API',
      hint: 'set it like SKIFF_API=http://127.0.0.1:7070',
    });
  }
  return Object.freeze({
    apiUrl: apiUrl.replace(/\/+$/, ''),
    environment: env.SKIFF_ENV || defaultEnvironment,
  });
}
