/**
 * Deterministic packing: the same tree gives the same bytes whatever its location, mtimes, owners
 * or umask. Entries are sorted by path; mtime, uid and gid are 0, owner names empty, modes 0644 or
 * 0755; symlinks stay symlinks; no device files. The digest is computed while writing.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import { digestOfHex, type Digest } from './digest.js';
import { BLOCK, encodeHeader, encodePaxRecords, paddingFor, paxRecordsFor, type TarHeader } from './tar-format.js';
import { normalizedMode, walkTree, type TreeEntry } from './tree-walk.js';

export interface PackResult {
  readonly digest: Digest;
  /** Bytes of the archive. */
  readonly size: number;
  readonly entries: number;
}

const CHUNK = 1 << 20;

/** Packs the tree under `sourceDir` (not the directory itself) into a new file at `tarPath`. */
export async function packDirectory(sourceDir: string, tarPath: string): Promise<PackResult> {
  const entries = await walkTree(sourceDir);
  const out = await open(tarPath, 'wx', 0o644);
  const hash = createHash('sha256');
  let size = 0;
  const write = async (bytes: Buffer): Promise<void> => {
    hash.update(bytes);
    size += bytes.length;
    let offset = 0;
    while (offset < bytes.length) offset += (await out.write(bytes, offset, bytes.length - offset)).bytesWritten;
  };
  try {
    for (const entry of entries) {
      const header = headerOf(entry);
      const pax = paxRecordsFor(header);
      if (Object.keys(pax).length > 0) {
        const body = encodePaxRecords(pax);
        await write(encodeHeader({ name: 'PaxHeader', mode: 0o644, size: body.length, type: 'pax', linkName: '' }));
        await write(padded(body));
      }
      await write(encodeHeader(header));
      if (entry.kind === 'file') await copyContent(path.join(sourceDir, entry.path), entry.size, write);
    }
    await write(Buffer.alloc(BLOCK * 2));
  } finally {
    await out.close();
  }
  return { digest: digestOfHex(hash.digest('hex')), size, entries: entries.length };
}

function headerOf(entry: TreeEntry): TarHeader {
  const mode = normalizedMode(entry);
  switch (entry.kind) {
    case 'directory':
      return { name: `${entry.path}/`, mode, size: 0, type: 'directory', linkName: '' };
    case 'file':
      return { name: entry.path, mode, size: entry.size, type: 'file', linkName: '' };
    case 'symlink':
      return { name: entry.path, mode, size: 0, type: 'symlink', linkName: entry.target };
  }
}

function padded(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.alloc(paddingFor(body.length))]);
}

async function copyContent(file: string, expected: number, write: (bytes: Buffer) => Promise<void>): Promise<void> {
  const input = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(expected, 1)));
    let copied = 0;
    while (copied < expected) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, expected - copied), copied);
      if (bytesRead === 0) break;
      await write(buffer.subarray(0, bytesRead));
      copied += bytesRead;
    }
    // The header already promised `expected` bytes: a file that changed size while packing would corrupt the archive.
    const { size } = await input.stat();
    if (copied !== expected || size !== expected) {
      throw new SkiffError('SKIFF_ARTIFACT_INVALID', `${file} changed size while it was being packed`, {
        hint: 'make sure nothing writes into the build directory once the build command has exited',
      });
    }
    await write(Buffer.alloc(paddingFor(expected)));
  } finally {
    await input.close();
  }
}
