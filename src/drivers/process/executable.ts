/** Whether a command can be started, checked before it runs behind a wrapper that would hide a missing program. */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** The executable `program` names (a path, relative to `directory`, or a name looked up in `searchPath`), or null. */
export async function findExecutable(program: string, directory: string, searchPath: string | undefined): Promise<string | null> {
  const candidates = program.includes('/')
    ? [path.resolve(directory, program)]
    : (searchPath ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.resolve(directory, dir, program));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return null;
}
