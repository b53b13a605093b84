/** The CLI as a part of a shell pipeline: a reader that stops early (`| head -1`) ends it quietly. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { skiffBin } from './platform.js';

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [skiffBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader goes away before the command writes: its first write meets a broken pipe.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('skiff in a pipeline', () => {
  it('exits quietly when its reader has gone (EPIPE)', async () => {
    for (const args of [['--help'], ['validate', 'examples/shop/skiff.yaml']]) {
      const result = await runWithClosedStdout(args);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
    }
  });
});
