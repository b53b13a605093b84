// A JSON file that several instances of one service share. Writes are atomic (temp file +
// rename), and read-modify-write runs under a lock file so two instances never lose each
// other's updates.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from './http-kit.mjs';

const lockWaitMs = 2000;
const staleLockMs = 10_000;

export function createJsonStore({ dir, file, seed }) {
  const filePath = path.join(dir, file);
  const lockPath = `${filePath}.lock`;

  async function readFileOrNull() {
    try {
      return JSON.parse(await fs.readFile(filePath, 'utf8'));
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Writes `data` to a flushed temp file; returns its path. */
  async function writeTemp(data) {
    const temp = `${filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  }

  async function write(data) {
    await fs.rename(await writeTemp(data), filePath);
  }

  async function withLock(fn) {
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      try {
        const handle = await fs.open(lockPath, 'wx');
        await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
        await handle.close();
        break;
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
        if (await breakIfStale()) continue;
        if (Date.now() > deadline) throw new HttpError(503, 'data store busy, try again');
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    try {
      return await fn();
    } finally {
      await fs.rm(lockPath, { force: true });
    }
  }

  // A lock whose holder died (kill -9 mid-write) would block every instance forever. Two
  // instances breaking the same stale lock at once is possible but needs a crash first.
  async function breakIfStale() {
    let holder;
    try {
      holder = JSON.parse(await fs.readFile(lockPath, 'utf8'));
    } catch (err) {
      if (err.code === 'ENOENT') return true;
      // Empty or half-written: its holder is creating it right now, or died doing so.
      const stat = await fs.stat(lockPath).catch(() => null);
      if (stat !== null && Date.now() - stat.mtimeMs < staleLockMs) return false;
      await fs.rm(lockPath, { force: true });
      return true;
    }
    if (isAlive(holder.pid) && Date.now() - holder.at < staleLockMs) return false;
    await fs.rm(lockPath, { force: true });
    return true;
  }

  return {
    /**
     * Creates the directory and writes the seed when the file does not exist yet. No lock: the
     * seed is linked into place, which fails if another instance got there first. Waiting for the
     * lock here made a start on a loaded machine (slow fsyncs) give up with "data store busy".
     */
    async init() {
      await fs.mkdir(dir, { recursive: true });
      if ((await readFileOrNull()) !== null) return;
      const temp = await writeTemp(seed);
      try {
        await fs.link(temp, filePath);
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
      } finally {
        await fs.rm(temp, { force: true });
      }
    },
    async read() {
      return (await readFileOrNull()) ?? structuredClone(seed);
    },
    /** `change(data)` edits data in place and returns the result; it may throw to abort. */
    async update(change) {
      return withLock(async () => {
        const data = (await readFileOrNull()) ?? structuredClone(seed);
        const result = await change(data);
        await write(data);
        return result;
      });
    },
  };
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
