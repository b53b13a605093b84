/**
 * Reading archives: one sequential pass over the file that can hash every byte it reads, and an
 * extractor that refuses anything that could write outside its target (absolute paths, `..`,
 * paths through a symlink it created, duplicate entries, devices).
 */
import { createHash, type Hash } from 'node:crypto';
import { chmod, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import { digestOfHex, type Digest } from './digest.js';
import { BLOCK, decodeHeader, decodePaxRecords, paddingFor } from './tar-format.js';

export type ArchiveEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly mode: number }
  | { readonly kind: 'file'; readonly path: string; readonly mode: number; readonly size: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

const CHUNK = 1 << 20;

/** Every entry of the archive at `tarPath`, in archive order; file contents are skipped, not read. */
export async function listArchive(tarPath: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  await walkArchive(tarPath, null, async (entry) => {
    entries.push(entry);
  });
  return entries;
}

export interface ExtractResult {
  readonly entries: readonly ArchiveEntry[];
  /** The digest of every byte read, so a file swapped after an earlier check is still caught. */
  readonly digest: Digest;
}

/** Extracts into `targetDir`, which must exist and be empty. */
export async function extractArchive(tarPath: string, targetDir: string): Promise<ExtractResult> {
  const symlinks = new Set<string>();
  const seen = new Set<string>();
  const directories: { path: string; mode: number }[] = [];
  const entries: ArchiveEntry[] = [];
  const digest = await walkArchive(tarPath, createHash('sha256'), async (entry, data) => {
    if (seen.has(entry.path)) throw invalid(tarPath, `the entry ${entry.path} appears twice`);
    seen.add(entry.path);
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      if (symlinks.has(ancestor)) throw invalid(tarPath, `the entry ${entry.path} lies under the symlink ${ancestor}`);
    }
    const destination = path.join(targetDir, ...parts);
    await mkdir(path.dirname(destination), { recursive: true, mode: 0o755 });
    switch (entry.kind) {
      case 'directory':
        await mkdir(destination, { recursive: true, mode: 0o755 });
        directories.push({ path: destination, mode: entry.mode });
        break;
      case 'file':
        await writeFile(data, entry, destination);
        break;
      case 'symlink':
        await symlink(entry.target, destination);
        symlinks.add(entry.path);
        break;
    }
    entries.push(entry);
  });
  // Directory modes last, so a read-only directory does not block writing its children.
  for (const directory of directories.reverse()) await chmod(directory.path, directory.mode);
  return { entries, digest: digestOfHex(digest ?? '') };
}

async function writeFile(data: SequentialReader, entry: ArchiveEntry & { kind: 'file' }, destination: string): Promise<void> {
  // 'wx' fails on an existing path, symlinks included, so nothing is written through a link.
  const output = await open(destination, 'wx', 0o600);
  try {
    let left = entry.size;
    while (left > 0) {
      const chunk = await data.read(Math.min(CHUNK, left));
      let written = 0;
      while (written < chunk.length) written += (await output.write(chunk, written, chunk.length - written)).bytesWritten;
      left -= chunk.length;
    }
    await output.chmod(entry.mode);
  } finally {
    await output.close();
  }
}

/** Reads a file front to back, hashing what it reads; without a hash, skipping is a seek. */
class SequentialReader {
  private position = 0;
  private readonly buffer = Buffer.alloc(CHUNK);

  constructor(
    private readonly handle: FileHandle,
    private readonly tarPath: string,
    private readonly hash: Hash | null,
  ) {}

  /** Exactly `length` (≤ 1 MiB) bytes; the returned view is valid until the next call. */
  async read(length: number): Promise<Buffer> {
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(this.buffer, got, length - got, this.position + got);
      if (bytesRead === 0) throw invalid(this.tarPath, `the archive ends early, at byte ${this.position + got}`);
      got += bytesRead;
    }
    const view = this.buffer.subarray(0, length);
    this.hash?.update(view);
    this.position += length;
    return view;
  }

  async skip(length: number): Promise<void> {
    if (this.hash === null) {
      this.position += length;
      return;
    }
    for (let left = length; left > 0; ) left -= (await this.read(Math.min(CHUNK, left))).length;
  }

  get offset(): number {
    return this.position;
  }

  /** Hashes whatever follows the end-of-archive marker; returns the hex digest. */
  async finish(): Promise<string | null> {
    if (this.hash === null) return null;
    const { size } = await this.handle.stat();
    await this.skip(Math.max(0, size - this.position));
    return this.hash.digest('hex');
  }
}

async function walkArchive(
  tarPath: string,
  hash: Hash | null,
  visit: (entry: ArchiveEntry, data: SequentialReader) => Promise<void>,
): Promise<string | null> {
  const handle = await open(tarPath, 'r');
  try {
    const reader = new SequentialReader(handle, tarPath, hash);
    let pax: Record<string, string> = {};
    for (;;) {
      const at = reader.offset;
      const header = decode(await reader.read(BLOCK), tarPath, at);
      if (header === null) return await reader.finish();
      const size = pax.size !== undefined ? Number(pax.size) : header.size;
      if (!Number.isSafeInteger(size) || size < 0) throw invalid(tarPath, `bad entry size at byte ${at}`);
      if (header.type === 'pax' || header.type === 'pax-global') {
        if (size > CHUNK) throw invalid(tarPath, 'a pax header is larger than 1 MiB');
        const body = Buffer.from(await reader.read(size));
        await reader.skip(paddingFor(size));
        // Global headers carry nothing Skiff writes or needs: read and dropped.
        if (header.type === 'pax') pax = decodeRecords(body, tarPath);
        continue;
      }
      const name = safePath(pax.path ?? header.name, tarPath);
      const target = pax.linkpath ?? header.linkName;
      pax = {};
      const mode = header.mode & 0o777;
      const start = reader.offset;
      switch (header.type) {
        case 'directory':
          await visit({ kind: 'directory', path: name, mode }, reader);
          break;
        case 'file':
          await visit({ kind: 'file', path: name, mode, size }, reader);
          break;
        case 'symlink':
          await visit({ kind: 'symlink', path: name, target }, reader);
          break;
        default:
          throw invalid(tarPath, `the entry ${name} is neither a file, a directory nor a symlink`);
      }
      const data = header.type === 'file' ? size : 0;
      await reader.skip(start + data + paddingFor(data) - reader.offset);
    }
  } finally {
    await handle.close();
  }
}

function decode(block: Buffer, tarPath: string, at: number): ReturnType<typeof decodeHeader> {
  try {
    return decodeHeader(block);
  } catch (error) {
    throw invalid(tarPath, `${(error as Error).message} at byte ${at}`);
  }
}

function decodeRecords(body: Buffer, tarPath: string): Record<string, string> {
  try {
    return decodePaxRecords(body);
  } catch (error) {
    throw invalid(tarPath, (error as Error).message);
  }
}

/** The entry's path without `./` and trailing `/`; refuses absolute paths and `..`. */
function safePath(raw: string, tarPath: string): string {
  const trimmed = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  const parts = trimmed.split('/');
  if (trimmed === '' || raw.startsWith('/') || raw.includes('\u0000') || parts.some((part) => part === '..' || part === '.' || part === '')) {
    throw invalid(tarPath, `the entry path ${JSON.stringify(raw)} is absolute, empty or leaves the target directory`);
  }
  return trimmed;
}

function invalid(tarPath: string, reason: string): SkiffError {
  return new SkiffError('SKIFF_ARTIFACT_INVALID', `${tarPath}: ${reason}`, {
    hint: 'the archive was not written by skiff build, or it was altered',
  });
}
