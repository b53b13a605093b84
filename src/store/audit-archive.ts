/**
 * Where expired audit entries go before they leave the database: an append-only JSONL file in
 * the data directory, each line `{"prev": <SHA-256 of the previous line>, "entry": {…}}`, the
 * first line's `prev` all zeros. Editing, removing or reordering a line breaks the chain, which
 * `verifyAuditArchive` finds.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditEntry } from '../core/access-records.js';

export const genesisHash = '0'.repeat(64);

export function auditArchivePath(dataDir: string): string {
  return path.join(dataDir, 'audit-archive.jsonl');
}

interface ArchiveLine {
  readonly prev: string;
  readonly entry: AuditEntry;
}

export type ArchiveVerification = { readonly ok: true; readonly lines: number } | { readonly ok: false; readonly line: number; readonly reason: string };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The last line of the file, read from its end (the archive only grows). */
function lastLine(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    for (let chunk = 64 * 1024; ; chunk *= 2) {
      const length = Math.min(chunk, size);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      const text = buffer.toString('utf8').replace(/\n$/, '');
      const start = text.lastIndexOf('\n');
      if (start >= 0 || length === size) return text.slice(start + 1) || undefined;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The hash to chain the next line to and the id of the last entry archived. */
export function archiveTail(file: string): { readonly hash: string; readonly lastId: number } {
  const line = lastLine(file);
  if (line === undefined) return { hash: genesisHash, lastId: 0 };
  const parsed = JSON.parse(line) as ArchiveLine;
  return { hash: sha256(line), lastId: parsed.entry.id };
}

/**
 * Appends the entries not archived yet (ids above the last one), in id order, and syncs the
 * file. Returns the hash of the last line: kept elsewhere, it protects the last line too.
 */
export function appendToArchive(file: string, entries: readonly AuditEntry[]): string {
  const tail = archiveTail(file);
  let prev = tail.hash;
  const lines: string[] = [];
  for (const entry of entries) {
    // A run that archived and then stopped before deleting archives the same rows again: skip them.
    if (entry.id <= tail.lastId) continue;
    const line = JSON.stringify({ prev, entry } satisfies ArchiveLine);
    lines.push(line);
    prev = sha256(line);
  }
  if (lines.length === 0) return prev;
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, `${lines.join('\n')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return prev;
}

/**
 * Checks every line's link to the one before it and, given the hash of the last line kept
 * apart from the file (`auditArchiveHead`), that the last line is unchanged too.
 */
export function verifyAuditArchive(file: string, head?: string): ArchiveVerification {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [''];
  if (lines[lines.length - 1] === '') lines.pop();
  let prev = genesisHash;
  for (const [index, line] of lines.entries()) {
    let parsed: Partial<ArchiveLine>;
    try {
      parsed = JSON.parse(line) as Partial<ArchiveLine>;
    } catch {
      return { ok: false, line: index + 1, reason: 'not a JSON line' };
    }
    if (parsed.prev !== prev) return { ok: false, line: index + 1, reason: 'the hash of the line before does not match: a line was changed, removed or moved' };
    prev = sha256(line);
  }
  if (head !== undefined && head !== prev) return { ok: false, line: lines.length, reason: 'the last line is not the one archived last: it was changed or removed' };
  return { ok: true, lines: lines.length };
}
