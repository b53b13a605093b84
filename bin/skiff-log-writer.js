#!/usr/bin/env node
// @ts-check
/**
 * Copies an instance's output (this process's stdin) into its log file and rotates the file on the
 * write path, so what is kept stays within `maxBytes × (keep + 1)` whatever the write rate. It runs
 * detached from the control plane, so the instance keeps logging while no control plane runs; it
 * ends when the instance and everything it started have closed their output.
 *
 * Plain JavaScript on purpose: the process driver spawns it both from dist/ and from the sources
 * under test, and plain `node` runs it in both.
 *
 * Usage: skiff-log-writer.js <log path> <max bytes> <keep>
 */
import fs from 'node:fs';

const [logPath, maxText, keepText] = process.argv.slice(2);
const maxBytes = Number(maxText);
const keep = Number(keepText);
if (!logPath || !(maxBytes > 0) || !(keep >= 0)) {
  process.stderr.write('usage: skiff-log-writer.js <log path> <max bytes> <keep>\n');
  process.exit(2);
}

/** @param {unknown} error */
function isMissing(error) {
  return /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT';
}

/** `path` → `path.1`, `path.1` → `path.2`, …; the oldest beyond `keep` is overwritten. */
function rotate() {
  if (keep === 0) {
    fs.rmSync(logPath, { force: true });
    return;
  }
  for (let index = keep - 1; index >= 1; index -= 1) {
    try {
      fs.renameSync(`${logPath}.${index}`, `${logPath}.${index + 1}`);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  fs.renameSync(logPath, `${logPath}.1`);
}

let fd = fs.openSync(logPath, 'a', 0o600);
let size = fs.fstatSync(fd).size;

/** @param {Buffer} chunk */
function write(chunk) {
  if (size > 0 && size + chunk.length > maxBytes) {
    fs.closeSync(fd);
    rotate();
    fd = fs.openSync(logPath, 'a', 0o600);
    size = 0;
  }
  let offset = 0;
  while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset);
  size += chunk.length;
}

process.stdin.on('data', (chunk) => {
  try {
    write(/** @type {Buffer} */ (chunk));
  } catch {
    // A full disk or a file removed under us: this chunk is lost, the instance is not blocked,
    // and the next chunk tries again (reopening the file).
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    try {
      fd = fs.openSync(logPath, 'a', 0o600);
      size = fs.fstatSync(fd).size;
    } catch {
      // retried with the next chunk
    }
  }
});
process.stdin.on('end', () => fs.closeSync(fd));
