import { beforeAll, describe, expect, it } from 'vitest';
import { programOutline } from '../reference/generated-files.js';
import type { CommandOutline } from '../reference/program-outline.js';
import { completeWords } from './complete.js';

const names = { services: ['catalog', 'orders', 'web'], environments: ['dev', 'staging', 'production'] };
let program: CommandOutline;
beforeAll(async () => {
  program = await programOutline();
});

describe('completion of a skiff command line', () => {
  it.each([
    [['sc'], ['schema', 'scale']],
    [['pipeline', ''], ['run', 'status']],
    [['pipeline', 'run', 'or'], ['orders']],
    [['logs', ''], ['catalog', 'orders', 'web']],
    [['scale', 'catalog=2', 'w'], ['web=']],
    [['status', '--env', 'p'], ['production']],
    [['status', '-e', ''], ['dev', 'staging', 'production']],
    [['status', '--e'], ['--env']],
    [['promote', 'catalog', 'dev', 's'], ['staging']],
    [['up', '--data', ''], []],
    [['completion', ''], ['bash', 'zsh', 'fish']],
    [['validate', ''], []],
    [['logs', 'web', 'extra', ''], []],
  ])('%j offers %j', (words, expected) => {
    expect(completeWords(program, words, names)).toEqual(expected);
  });

  it('offers every visible command at the start, and none of the hidden ones', () => {
    const offered = completeWords(program, [''], names);
    expect(offered).toEqual(expect.arrayContaining(['up', 'init', 'validate', 'scale', 'completion', 'pipeline']));
    expect(offered.filter((name) => name.startsWith('__'))).toEqual([]);
  });
});
