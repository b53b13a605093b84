/**
 * Files that must survive a power cut whole: written under a temporary name, flushed to disk,
 * renamed into place, and the directory flushed so the rename itself is on disk. A crash leaves
 * either the old file or the new one, never a part.
 */
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

/** Flushes a file already written (and closed) to disk. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function fsyncDirectory(directory: string): Promise<void> {
  await fsyncFile(directory);
}

/** Renames a flushed `temporary` into `file` and flushes the directory. */
export async function renameDurably(temporary: string, file: string): Promise<void> {
  await fsyncFile(temporary);
  await fs.promises.rename(temporary, file);
  await fsyncDirectory(path.dirname(file));
}

/** The synchronous form, for start-up code: creates `file` with `text` only if it does not exist; false if it does. */
export function createFileDurablySync(file: string, text: string, mode: number): boolean {
  const temporary = `${file}.${process.pid}.new`;
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    // A link, not a rename: it fails when the file exists, so a file another process made is kept.
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  const directory = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(directory);
  } finally {
    fs.closeSync(directory);
  }
  return true;
}
