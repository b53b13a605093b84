/** The last accepted routing table on disk, so a restarted router routes before anyone publishes. */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { RouteTable } from '../core/route-table.js';
import { parseRouteTable } from './route-table-schema.js';

/** The table in `path`, or undefined when the file does not exist. Throws when it exists but is not a table. */
export async function readTableFile(path: string): Promise<RouteTable | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseRouteTable(JSON.parse(text));
}

let tempCounter = 0;

/** Writes a temporary file beside `path`, flushes it, and renames it over `path`. `text` is the table's JSON when the caller has it. */
export async function writeTableFile(path: string, table: RouteTable, text = JSON.stringify(table)): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(`${text}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
