import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextEntries, dockerfileBases } from './build-context.js';

describe('dockerfileBases', () => {
  it('lists the images FROM names, without stages and scratch', () => {
    const text = 'FROM --platform=linux/amd64 skiff-node-base:20 AS build\nRUN x\nfrom build\nFROM scratch\nFROM other:1\n';
    expect(dockerfileBases(text)).toEqual(['skiff-node-base:20', 'other:1']);
  });
});

describe('contextEntries', () => {
  it('sends the context minus .skiffignore, in a fixed order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-ctx-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
      fs.writeFileSync(path.join(dir, '.skiffignore'), 'scratch/\n*.log\n');
      fs.mkdirSync(path.join(dir, 'scratch'));
      fs.writeFileSync(path.join(dir, 'scratch', 'x.txt'), 'left out');
      fs.writeFileSync(path.join(dir, 'debug.log'), 'left out');
      fs.writeFileSync(path.join(dir, 'server.mjs'), '');
      const paths = (await contextEntries(dir)).map((entry) => entry.path);
      expect(paths).toEqual(['.skiffignore', 'Dockerfile', 'server.mjs']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
