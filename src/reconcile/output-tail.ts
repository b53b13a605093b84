/** The last lines of a run's output, for the reason of a failed release command. */
import { open } from 'node:fs/promises';

/** How much of the end of the file is read: enough for a few lines of a stack trace. */
const tailBytes = 4096;

/** The last `count` non-empty lines of the file; [] when it cannot be read. */
export async function lastLines(file: string, count: number): Promise<string[]> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - tailBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lines = buffer.toString('utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
      // A cut first line is dropped unless it is all there is.
      return (start > 0 && lines.length > 1 ? lines.slice(1) : lines).slice(-count);
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}
