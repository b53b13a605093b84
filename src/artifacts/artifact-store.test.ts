import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import { createArtifactStore, type ArtifactStore } from './artifact-store.js';
import { DIGEST_MARKER } from './artifact-verify.js';
import { packDirectory } from './tar-pack.js';
import { snapshotTree, useTempDirs, writeTree } from './testing/fixtures.js';

const tempDir = useTempDirs();

function steppingClock(start = Date.parse('2025-01-01T00:00:00Z')): Clock {
  let now = start;
  return { now: () => (now += 1000) };
}

async function packed(files: Record<string, string>): Promise<string> {
  const source = await tempDir('src');
  await writeTree(source, files);
  const tar = path.join(await tempDir('tar'), 'a.tar');
  await packDirectory(source, tar);
  return tar;
}

async function flipByte(file: string, at: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = (byte[0] ?? 0) ^ 0x01;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

describe('artifact store', () => {
  it('stores an archive once under its digest, with metadata beside it', async () => {
    const dir = await tempDir('store');
    const store = createArtifactStore(dir, { clock: steppingClock() });
    const tar = await packed({ 'a.txt': 'one' });
    const first = await store.put(tar, { service: 'catalog', buildCommand: ['npm', 'ci'], source: { commit: 'a'.repeat(40), dirty: false } });
    const again = await store.put(tar, { service: 'catalog' });
    expect(again.digest).toBe(first.digest);
    expect(again.createdAt).toBe(first.createdAt);
    expect(again.builtAt > first.builtAt).toBe(true);
    const hex = first.digest.slice('sha256:'.length);
    expect((await readdir(path.join(dir, 'sha256'))).sort()).toEqual([`${hex}.catalog.json`, `${hex}.tar`]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    expect(JSON.parse(await readFile(path.join(dir, 'sha256', `${hex}.catalog.json`), 'utf8'))).toMatchObject({
      service: 'catalog',
      digest: first.digest,
      size: first.size,
    });
    expect(first.source).toEqual({ commit: 'a'.repeat(40), dirty: false });
    expect(await store.get(first.digest)).toEqual(again);
  });

  it('accepts bytes as well as a file, with the same digest', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const tar = await packed({ 'a.txt': 'one' });
    const fromFile = await store.put(tar, { service: 'web' });
    const fromBytes = await store.put(await readFile(tar), { service: 'web' });
    expect(fromBytes.digest).toBe(fromFile.digest);
  });

  it('keeps separate records when two services build the same tree', async () => {
    const store = createArtifactStore(await tempDir('store'), { clock: steppingClock() });
    const tar = await packed({ 'a.txt': 'same' });
    await store.put(tar, { service: 'one' });
    await store.put(tar, { service: 'two' });
    expect((await store.list('one')).map((r) => r.service)).toEqual(['one']);
    expect((await store.list('two')).map((r) => r.service)).toEqual(['two']);
    expect(await store.list('three')).toEqual([]);
  });

  describe('resolve', () => {
    async function storeWithThree(): Promise<{ store: ArtifactStore; digests: string[] }> {
      const store = createArtifactStore(await tempDir('store'), { clock: steppingClock() });
      const digests: string[] = [];
      for (const content of ['v1', 'v2', 'v3']) digests.push((await store.put(await packed({ 'v.txt': content }), { service: 'api' })).digest);
      return { store, digests };
    }

    it('by full digest, by prefix with or without sha256:, and latest', async () => {
      const { store, digests } = await storeWithThree();
      const [d1, d2, d3] = digests as [string, string, string];
      expect((await store.resolve('api', d1)).digest).toBe(d1);
      expect((await store.resolve('api', d2.slice(7, 19))).digest).toBe(d2);
      expect((await store.resolve('api', d2.slice(0, 19).toUpperCase().replace('SHA256', 'sha256'))).digest).toBe(d2);
      expect((await store.resolve('api', 'latest')).digest).toBe(d3);
      // Rebuilding an older tree makes it the latest again.
      await store.put(await packed({ 'v.txt': 'v1' }), { service: 'api' });
      expect((await store.resolve('api', 'latest')).digest).toBe(d1);
    });

    it('refuses an ambiguous prefix, listing the candidates', async () => {
      const { store, digests } = await storeWithThree();
      const real = digests[0] as string;
      // A real 6-character collision needs thousands of builds: write a second record sharing the prefix instead.
      const twin = `${real.slice(0, 13)}${real[13] === '0' ? '1' : '0'}${real.slice(14)}`;
      const record = { ...(await store.get(real)), digest: twin };
      await writeFile(path.join(store.dir, 'sha256', `${twin.slice(7)}.api.json`), JSON.stringify(record));

      const error = await store.resolve('api', real.slice(7, 13)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'SKIFF_ARTIFACT_AMBIGUOUS', hint: 'give more hex characters of the digest' });
      expect((error as Error).message).toBe(`${real.slice(7, 13)} matches 2 artifacts of api`);
      const listed = (error as { details: { message: string }[] }).details.map((detail) => detail.message.split(' ')[0]);
      expect(listed.sort()).toEqual([real, twin].sort());
      expect((await store.resolve('api', real.slice(0, 20))).digest).toBe(real);
    });

    it('reports unknown versions and services with a hint', async () => {
      const { store } = await storeWithThree();
      await expect(store.resolve('api', 'ffffffffffff')).rejects.toMatchObject({
        code: 'SKIFF_ARTIFACT_NOT_FOUND',
        hint: 'list its artifacts with: skiff artifacts api',
      });
      await expect(store.resolve('nobody', 'latest')).rejects.toMatchObject({
        code: 'SKIFF_ARTIFACT_NOT_FOUND',
        hint: 'build one with: skiff build nobody',
      });
      await expect(store.resolve('api', 'v2')).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_VERSION_INVALID' });
      await expect(store.resolve('api', 'abc')).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_VERSION_INVALID' });
    });
  });

  describe('verify and unpack', () => {
    it('verifies an intact artifact and refuses a tampered one, naming the file and both digests', async () => {
      const store = createArtifactStore(await tempDir('store'));
      const record = await store.put(await packed({ 'app.js': 'console.log(1)\n' }), { service: 'web' });
      expect(await store.verify(record.digest)).toMatchObject({ digest: record.digest, size: record.size });

      await flipByte(store.archivePath(record.digest), 600);
      const error = await store.verify(record.digest).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'SKIFF_ARTIFACT_DIGEST_MISMATCH' });
      const message = (error as Error).message;
      expect(message).toContain(store.archivePath(record.digest));
      expect(message).toContain(record.digest);
      expect(message).toMatch(/hashes to sha256:[0-9a-f]{64}/);

      const target = path.join(await tempDir('run'), 'release');
      await expect(store.unpack(record.digest, target)).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_DIGEST_MISMATCH' });
      await expect(readdir(target)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readdir(path.dirname(target))).toEqual([]);
    });

    it('reports a missing artifact as not found', async () => {
      const store = createArtifactStore(await tempDir('store'));
      const record = await store.put(await packed({ 'a': 'a' }), { service: 'web' });
      await rm(store.archivePath(record.digest));
      await expect(store.verify(record.digest)).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_NOT_FOUND' });
      await expect(store.unpack(record.digest, await tempDir('run'))).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_NOT_FOUND' });
    });

    it('unpacks once, reuses a complete tree, and repairs an incomplete one', async () => {
      const store = createArtifactStore(await tempDir('store'));
      const record = await store.put(await packed({ 'app.js': 'A', 'lib/util.js': 'U' }), { service: 'web' });
      const target = path.join(await tempDir('run'), 'release');
      expect(await store.unpack(record.digest, target)).toMatchObject({ reused: false, dir: target });
      expect(await readFile(path.join(target, DIGEST_MARKER), 'utf8')).toBe(`${record.digest}\n`);
      expect(await store.unpack(record.digest, target)).toMatchObject({ reused: true });

      await rm(path.join(target, 'lib/util.js'));
      expect(await store.unpack(record.digest, target)).toMatchObject({ reused: false });
      expect(await snapshotTree(target, [DIGEST_MARKER])).toEqual({
        'app.js': { kind: 'file', mode: 0o644, content: 'A' },
        lib: { kind: 'dir', mode: 0o755 },
        'lib/util.js': { kind: 'file', mode: 0o644, content: 'U' },
      });
      expect((await readdir(path.dirname(target))).sort()).toEqual(['release']);
    });

    it('replaces an earlier unpack of another digest but never a directory it did not make', async () => {
      const store = createArtifactStore(await tempDir('store'));
      const one = await store.put(await packed({ 'v': '1' }), { service: 'web' });
      const two = await store.put(await packed({ 'v': '2' }), { service: 'web' });
      const target = path.join(await tempDir('run'), 'current');
      await store.unpack(one.digest, target);
      await store.unpack(two.digest, target);
      expect(await readFile(path.join(target, 'v'), 'utf8')).toBe('2');

      const foreign = path.join(await tempDir('run'), 'mine');
      await mkdir(foreign);
      await writeFile(path.join(foreign, 'precious.txt'), 'keep me');
      await expect(store.unpack(one.digest, foreign)).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_TARGET_IN_USE' });
      expect(await readdir(foreign)).toEqual(['precious.txt']);
      expect((await readdir(path.dirname(foreign))).sort()).toEqual(['mine']);
    });

    it('refuses digests that are not full sha256 digests', async () => {
      const store = createArtifactStore(await tempDir('store'));
      await expect(store.verify('sha256:abc')).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_VERSION_INVALID' });
      await expect(store.unpack('../../etc', await tempDir('run'))).rejects.toMatchObject({ code: 'SKIFF_ARTIFACT_VERSION_INVALID' });
      await expect(store.put(Buffer.alloc(1024), { service: '../escape' })).rejects.toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
      await expect(store.list('a/b')).rejects.toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    });
  });
});
