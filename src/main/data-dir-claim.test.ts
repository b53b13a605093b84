import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileForNode } from '../drivers/testing/transpile.js';

let dir: string;
let claimer: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-claim-'));
  const entry = await transpileForNode(resolve('src/main/data-dir-claim.ts'), resolve('src'), join(dir, 'compiled'));
  claimer = join(dir, 'claimer.mjs');
  // Each claimer waits for the start file, so all of them claim at the same moment, then holds its claim.
  await writeFile(
    claimer,
    [
      `import fs from 'node:fs';`,
      `const { claimDataDir } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
      `const [dataDir, go] = process.argv.slice(2);`,
      `console.log('ready');`,
      `const nap = new Int32Array(new SharedArrayBuffer(4));`,
      `while (!fs.existsSync(go)) Atomics.wait(nap, 0, 0, 1);`,
      `try { claimDataDir({ dataDir, apiPort: 1 }); console.log('won'); } catch (e) { console.log(e.code ?? e.message); }`,
      `process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`,
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts `count` claimers on `dataDir` at once; resolves with what each said, then ends them. */
async function race(dataDir: string, count: number): Promise<string[]> {
  const go = join(dataDir, `go-${Math.random()}`);
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [claimer, dataDir, go], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  try {
    const said = (child: (typeof children)[number], what: RegExp): Promise<string> =>
      new Promise<string>((done) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = what.exec(out);
          if (match) done(match[1] as string);
        });
        child.once('exit', () => done('exited'));
      });
    const answers = children.map((child) => said(child, /ready\n(.+)\n/));
    await Promise.all(children.map((child) => said(child, /(ready)\n/)));
    await writeFile(go, '');
    return await Promise.all(answers);
  } finally {
    for (const child of children) child.stdin.end();
    await Promise.all(children.map((child) => (child.exitCode !== null ? null : new Promise((r) => child.once('exit', r)))));
  }
}

describe('claimDataDir', () => {
  it('lets exactly one of several servers racing for a data directory claim it', async () => {
    for (let round = 0; round < 3; round += 1) {
      const dataDir = await mkdtemp(join(dir, 'data-'));
      const answers = await race(dataDir, 5);
      expect(answers.filter((answer) => answer === 'won'), answers.join(',')).toHaveLength(1);
      expect(answers.filter((answer) => answer === 'SKIFF_ALREADY_RUNNING')).toHaveLength(4);
    }
  });

  it('takes over from an owner that is gone, and from a file that is not a claim', async () => {
    const dataDir = await mkdtemp(join(dir, 'stale-'));
    await writeFile(join(dataDir, 'server.json'), JSON.stringify({ pid: 2 ** 22 + 7, startTime: 1, apiPort: 1 }));
    const answers = await race(dataDir, 3);
    expect(answers.filter((answer) => answer === 'won')).toHaveLength(1);
    const garbled = await mkdtemp(join(dir, 'garbled-'));
    await writeFile(join(garbled, 'server.json'), '{"pid": 1');
    expect((await race(garbled, 3)).filter((answer) => answer === 'won')).toHaveLength(1);
  });
});
