/**
 * A minimal ustar writer for Docker build contexts: directories, regular files copied from the
 * host (streamed, so a 100 MB node binary is never held in memory) and files given as bytes.
 * Symbolic links are not written; callers resolve them and store the target's content.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

export type TarEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly mode?: number; readonly content: Buffer | string }
  | { readonly kind: 'host-file'; readonly path: string; readonly mode?: number; readonly source: string };

const BLOCK = 512;

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

/** The path split into ustar's name (100 bytes) and prefix (155 bytes) fields. */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  const cut = path.lastIndexOf('/', 155);
  const prefix = path.slice(0, cut);
  const name = path.slice(cut + 1);
  if (cut <= 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(name) > 100) {
    throw new Error(`path too long for a tar entry: ${path}`);
  }
  return { name, prefix };
}

export function tarHeader(entry: { path: string; mode: number; size: number; type: 'file' | 'directory' }): Buffer {
  const header = Buffer.alloc(BLOCK);
  const path = entry.type === 'directory' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const { name, prefix } = splitPath(path.replace(/^\/+/, ''));
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.size);
  // A fixed mtime keeps the context, and so the engine's build cache, the same for the same files.
  writeOctal(header, 136, 12, 0);
  header.fill(' ', 148, 156);
  header.write(entry.type === 'directory' ? '5' : '0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return header;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

async function* tarChunks(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    switch (entry.kind) {
      case 'directory':
        yield tarHeader({ path: entry.path, mode: entry.mode ?? 0o755, size: 0, type: 'directory' });
        break;
      case 'file': {
        const content = Buffer.from(entry.content);
        yield tarHeader({ path: entry.path, mode: entry.mode ?? 0o644, size: content.length, type: 'file' });
        yield content;
        yield padding(content.length);
        break;
      }
      case 'host-file': {
        const info = await stat(entry.source);
        yield tarHeader({ path: entry.path, mode: entry.mode ?? info.mode & 0o7777, size: info.size, type: 'file' });
        let written = 0;
        for await (const chunk of createReadStream(entry.source)) {
          const buffer = chunk as Buffer;
          // A file that grows while being read would corrupt the archive: stop at the size in the header.
          const part = buffer.subarray(0, Math.max(0, info.size - written));
          written += part.length;
          yield part;
          if (written >= info.size) break;
        }
        if (written < info.size) throw new Error(`${entry.source} shrank while being archived`);
        yield padding(info.size);
        break;
      }
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** A tar archive of `entries`, in order, as a stream. */
export function tarStream(entries: readonly TarEntry[]): Readable {
  return Readable.from(tarChunks(entries), { objectMode: false });
}
