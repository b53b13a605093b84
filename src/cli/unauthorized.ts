/** A refused token, explained for the command line: which token was sent and how to get one that works. */
import { SkiffError } from '../core/errors.js';
import type { CliConfig } from '../config/cli-config.js';

const createHint = 'an admin makes one with `skiff token create NAME --role viewer|deployer|admin [--env E]`';

export function explainUnauthorized(error: SkiffError, config: CliConfig): SkiffError {
  const source = config.tokenSource;
  if (!source || error.code !== 'SKIFF_UNAUTHORIZED') return error;
  const cause = { cause: error };
  switch (source.kind) {
    case 'none':
      return new SkiffError('SKIFF_UNAUTHORIZED', `${config.apiUrl} needs a token and none was found: SKIFF_TOKEN is not set and there is no ${source.file}`, {
        hint: `run the command in the directory where \`skiff up\` runs (it writes .skiff/token), set SKIFF_DATA to its data directory, or set SKIFF_TOKEN; ${createHint}`,
        ...cause,
      });
    case 'env':
      return new SkiffError('SKIFF_UNAUTHORIZED', `${config.apiUrl} refused the token in SKIFF_TOKEN: it is unknown, revoked or mistyped`, {
        hint: `check the value of SKIFF_TOKEN (\`skiff token list\` shows the valid ones), or unset it to use the token file of the data directory; ${createHint}`,
        ...cause,
      });
    case 'file':
      return new SkiffError('SKIFF_UNAUTHORIZED', `${config.apiUrl} refused the token in ${source.file}: it is unknown or revoked`, {
        hint:
          'the file belongs to another Skiff server or an old data directory: restart `skiff up` to write a fresh one, ' +
          `point SKIFF_DATA at the running server's data directory, or set SKIFF_TOKEN; ${createHint}`,
        ...cause,
      });
  }
}
