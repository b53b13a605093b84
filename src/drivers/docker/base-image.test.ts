import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseLddOutput } from './base-image.js';
import { tarStream } from './tar-stream.js';

describe('parseLddOutput', () => {
  it('lists the libraries and the loader, skipping the vDSO', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffc)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f5d)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f5e)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f5f)',
    ].join('\n');
    expect(parseLddOutput(text)).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});

describe('tarStream', () => {
  it('writes an archive that tar reads back, with modes, long paths and host files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-tar-'));
    try {
      const hostFile = join(dir, 'host.bin');
      await writeFile(hostFile, Buffer.alloc(1000, 7));
      const longPath = `rootfs/${'deep/'.repeat(30)}file.txt`;
      const archive = join(dir, 'out.tar');
      const chunks: Buffer[] = [];
      for await (const chunk of tarStream([
        { kind: 'directory', path: 'rootfs/tmp', mode: 0o1777 },
        { kind: 'file', path: 'Dockerfile', content: 'FROM scratch\n' },
        { kind: 'host-file', path: 'rootfs/usr/local/bin/tool', source: hostFile, mode: 0o755 },
        { kind: 'file', path: longPath, content: 'deep' },
      ])) {
        chunks.push(chunk as Buffer);
      }
      await writeFile(archive, Buffer.concat(chunks));
      const { stdout } = await promisify(execFile)('tar', ['-tvf', archive], { encoding: 'utf8' });
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^drwxrwxrwt .* rootfs\/tmp\/$/);
      expect(lines[2]).toMatch(/^-rwxr-xr-x .* 1000 .* rootfs\/usr\/local\/bin\/tool$/);
      expect(lines[3]?.endsWith(longPath)).toBe(true);
      const { stdout: content } = await promisify(execFile)('tar', ['-xOf', archive, longPath], { encoding: 'utf8' });
      expect(content).toBe('deep');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
