/** Reading the spec file named on the command line (a file, or a directory holding skiff.yaml). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';

export const defaultSpecFile = 'skiff.yaml';

export interface SpecFile {
  /** The name as the user gave it (plus `skiff.yaml` for a directory), used in error positions. */
  readonly file: string;
  readonly text: string;
  /** Absolute directory of the file: service paths are relative to it. */
  readonly baseDir: string;
}

export async function readSpecFile(cwd: string, given: string): Promise<SpecFile> {
  let file = given;
  let absolute = path.resolve(cwd, file);
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (stat?.isDirectory()) {
    file = path.join(given, defaultSpecFile);
    absolute = path.join(absolute, defaultSpecFile);
  }
  let text: string;
  try {
    text = await fs.readFile(absolute, 'utf8');
  } catch (error) {
    throw new SkiffError('SKIFF_SPEC_FILE_NOT_FOUND', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: `pass the spec file or its directory, e.g. \`skiff validate examples/shop\` (default ./${defaultSpecFile})`,
      cause: error,
    });
  }
  return { file, text, baseDir: path.dirname(absolute) };
}
