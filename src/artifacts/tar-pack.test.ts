import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOfFile } from './digest.js';
import { BLOCK, encodeHeader, paddingFor } from './tar-format.js';
import { packDirectory } from './tar-pack.js';
import { extractArchive, listArchive } from './tar-unpack.js';
import { snapshotTree, useTempDirs, writeTree } from './testing/fixtures.js';

const tempDir = useTempDirs();
const longName = `${'deep/'.repeat(30)}${'n'.repeat(120)}.txt`;

async function sampleTree(root: string): Promise<void> {
  await writeTree(root, {
    'server.js': 'console.log("hi")\n',
    'bin/start': { content: '#!/bin/sh\nexec node server.js\n', mode: 0o700 },
    'conf/app.json': { content: '{}', mode: 0o600 },
    'conf/link.json': { symlink: 'app.json' },
    'dangling': { symlink: '../nowhere' },
    'empty': { dir: true },
    'ünïcode/名前.txt': 'utf-8 names\n',
    [longName]: 'a path longer than ustar holds\n',
    [`links/${'l'.repeat(90)}`]: { symlink: `${'t'.repeat(150)}` },
  });
}

describe('packDirectory and extractArchive', () => {
  it('round-trips files, normalised modes, empty directories, symlinks and long names', async () => {
    const source = await tempDir();
    const work = await tempDir();
    await sampleTree(source);
    const packed = await packDirectory(source, path.join(work, 'a.tar'));
    expect(packed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await digestOfFile(path.join(work, 'a.tar'))).toEqual({ digest: packed.digest, size: packed.size });

    const target = await tempDir();
    const extracted = await extractArchive(path.join(work, 'a.tar'), target);
    expect(extracted.digest).toBe(packed.digest);
    const before = await snapshotTree(source);
    const after = await snapshotTree(target);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after['bin/start']).toEqual({ kind: 'file', mode: 0o755, content: '#!/bin/sh\nexec node server.js\n' });
    expect(after['conf/app.json']).toEqual({ kind: 'file', mode: 0o644, content: '{}' });
    expect(after['conf/link.json']).toEqual({ kind: 'symlink', target: 'app.json' });
    expect(after.dangling).toEqual({ kind: 'symlink', target: '../nowhere' });
    expect(after.empty).toEqual({ kind: 'dir', mode: 0o755 });
    expect(after['ünïcode/名前.txt']).toMatchObject({ content: 'utf-8 names\n' });
    expect(after[longName]).toMatchObject({ content: 'a path longer than ustar holds\n' });
    expect(after[`links/${'l'.repeat(90)}`]).toEqual({ kind: 'symlink', target: 't'.repeat(150) });
  });

  it('writes an archive that GNU tar reads, with zero mtimes and root owners', async () => {
    const source = await tempDir();
    const work = await tempDir();
    await sampleTree(source);
    await packDirectory(source, path.join(work, 'a.tar'));
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', path.join(work, 'a.tar')], { encoding: 'utf8' });
    expect(listing).toContain('-rwxr-xr-x 0/0');
    expect(listing).toContain('1970-01-01 00:00 bin/start');
    expect(listing).toContain(longName);
    expect(listing).toContain(`conf/link.json -> app.json`);
    const target = await tempDir();
    execFileSync('tar', ['-xf', path.join(work, 'a.tar'), '-C', target]);
    expect(await snapshotTree(target)).toEqual(await snapshotTree(source).then(normaliseModes));
  });

  it('lists entries without extracting them', async () => {
    const source = await tempDir();
    const work = await tempDir();
    await writeTree(source, { 'b.txt': 'bb', 'a/x.txt': 'x' });
    await packDirectory(source, path.join(work, 'a.tar'));
    expect(await listArchive(path.join(work, 'a.tar'))).toEqual([
      { kind: 'directory', path: 'a', mode: 0o755 },
      { kind: 'file', path: 'a/x.txt', mode: 0o644, size: 1 },
      { kind: 'file', path: 'b.txt', mode: 0o644, size: 2 },
    ]);
  });
});

describe('extractArchive refuses unsafe archives', () => {
  async function archiveOf(entries: { name: string; type: 'file' | 'symlink' | 'directory'; body?: string; link?: string }[]): Promise<string> {
    const parts: Buffer[] = [];
    for (const entry of entries) {
      const body = Buffer.from(entry.body ?? '');
      parts.push(encodeHeader({ name: entry.name, mode: 0o644, size: body.length, type: entry.type, linkName: entry.link ?? '' }));
      parts.push(body, Buffer.alloc(paddingFor(body.length)));
    }
    parts.push(Buffer.alloc(BLOCK * 2));
    const file = path.join(await tempDir(), 'bad.tar');
    await writeFile(file, Buffer.concat(parts));
    return file;
  }

  it.each([
    ['a parent-directory path', [{ name: '../escape.txt', type: 'file' as const, body: 'x' }]],
    ['an absolute path', [{ name: '/tmp/escape.txt', type: 'file' as const, body: 'x' }]],
    ['a path through a symlink', [{ name: 'out', type: 'symlink' as const, link: '/tmp' }, { name: 'out/escape.txt', type: 'file' as const, body: 'x' }]],
    ['a duplicate that would overwrite a symlink', [{ name: 'f', type: 'symlink' as const, link: '/etc/passwd' }, { name: 'f', type: 'file' as const, body: 'x' }]],
  ])('%s', async (_label, entries) => {
    const archive = await archiveOf(entries);
    const target = await tempDir();
    await expect(extractArchive(archive, target)).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_INVALID' });
  });

  it('a truncated archive', async () => {
    const source = await tempDir();
    await writeTree(source, { 'a.txt': 'x'.repeat(5000) });
    const archive = path.join(await tempDir(), 'a.tar');
    await packDirectory(source, archive);
    await writeFile(archive, (await readFile(archive)).subarray(0, 2048));
    await expect(extractArchive(archive, await tempDir())).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_INVALID' });
  });
});

function normaliseModes(tree: Awaited<ReturnType<typeof snapshotTree>>): typeof tree {
  return Object.fromEntries(
    Object.entries(tree).map(([key, entry]) => [
      key,
      entry.kind === 'file' ? { ...entry, mode: entry.mode & 0o111 ? 0o755 : 0o644 } : entry.kind === 'dir' ? { ...entry, mode: 0o755 } : entry,
    ]),
  );
}
