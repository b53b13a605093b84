/**
 * Shell completion in a real bash: the script `skiff completion bash` prints, sourced, offers the
 * commands, and the services and environments of the skiff.yaml in the current directory.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { skiffBin, tempDir } from './platform.js';

const spec = `name: shop
services:
  catalog: { start: [node, server.mjs] }
  orders: { start: [node, server.mjs] }
environments:
  dev: {}
  production: {}
`;

describe('skiff completion bash', () => {
  const dir = tempDir('skiff-completion-');
  fs.writeFileSync(path.join(dir, 'skiff.yaml'), spec);
  // The script calls `skiff` by name, as an installed one would be found.
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'skiff'), `#!/bin/sh\nexec "${process.execPath}" "${skiffBin}" "$@"\n`, { mode: 0o755 });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** What bash offers for the words (the last one being completed). */
  function complete(...words: string[]): string[] {
    const array = ['skiff', ...words].map((word) => `'${word}'`).join(' ');
    const script = `source <(skiff completion bash) && COMP_WORDS=(${array}) && COMP_CWORD=${words.length} && _skiff && printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout.split('\n').filter(Boolean);
  }

  it('offers the services of ./skiff.yaml', () => {
    expect(complete('logs', '')).toEqual(['catalog', 'orders']);
    expect(complete('scale', 'o')).toEqual(['orders=']);
  });

  it('offers the environments, commands and flags', () => {
    expect(complete('promote', 'catalog', 'dev', '')).toEqual(['dev', 'production']);
    expect(complete('status', '--env', 'pr')).toEqual(['production']);
    expect(complete('pipeline', '')).toEqual(['run', 'status']);
    expect(complete('top', '--')).toEqual(['--env', '--once']);
  });

  it('prints a script for zsh and fish too, and refuses another shell', () => {
    for (const shell of ['zsh', 'fish']) {
      const result = spawnSync(process.execPath, [skiffBin, 'completion', shell], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('skiff __complete --');
    }
    const refused = spawnSync(process.execPath, [skiffBin, 'completion', 'tcsh'], { encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
  });
});
