/** The only reader of process.env for the `skiff` client commands. */
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import { defaultApiPort, defaultDataDir, defaultEnvironment } from './server-config.js';

export interface CliConfig {
  /** Base URL of the Skiff API, without a trailing slash. */
  readonly apiUrl: string;
  /** Environment the commands act on unless `--env` says otherwise. */
  readonly environment: string;
  /** Sent as the bearer token: SKIFF_TOKEN, else the token file of the data directory. */
  readonly token?: string | undefined;
  /** Where the token came from (or was looked for), to say how to fix a refused one. */
  readonly tokenSource?: TokenSource | undefined;
}

export type TokenSource =
  | { readonly kind: 'env' }
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'none'; readonly file: string };

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CliConfig {
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
  const { token, tokenSource } = findToken(env, cwd);
  return Object.freeze({
    apiUrl: apiUrl.replace(/\/+$/, ''),
    environment: env.SKIFF_ENV || defaultEnvironment,
    token,
    tokenSource,
  });
}

/** SKIFF_TOKEN, else `<SKIFF_DATA or ./.skiff>/token`, where `skiff up` writes the local admin token. */
function findToken(env: NodeJS.ProcessEnv, cwd: string): { token: string | undefined; tokenSource: TokenSource } {
  const fromEnv = env.SKIFF_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, tokenSource: { kind: 'env' } };
  const file = path.resolve(cwd, env.SKIFF_DATA || defaultDataDir, 'token');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return { token: undefined, tokenSource: { kind: 'none', file } };
  }
  return text ? { token: text, tokenSource: { kind: 'file', file } } : { token: undefined, tokenSource: { kind: 'none', file } };
}
