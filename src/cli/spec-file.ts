/** Reading the spec file named on the command line (a file, or a directory holding skiff.yaml). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { maxRequestBodyBytes } from '../api/request-limits.js';
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
  checkSize(file, text);
  return { file, text, baseDir: path.dirname(absolute) };
}

/** Room for the request's other fields (file name, directory, message). */
const envelopeBytes = 64 * 1024;

/**
 * The API refuses bodies over its limit, and may cut the connection while the body is still being
 * sent, which the client can only report as a lost connection: the size is checked here first.
 */
function checkSize(file: string, text: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(text));
  if (bytes + envelopeBytes <= maxRequestBodyBytes) return;
  const mib = (n: number): string => `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  throw new SkiffError('SKIFF_SPEC_TOO_LARGE', `${file} is ${mib(bytes)} as sent; the API accepts at most ${mib(maxRequestBodyBytes)} per request`, {
    path: file,
    hint: 'remove what the spec does not need (large comments, inline data) to bring it under the limit',
  });
}
