/** `promtool check metrics` for tests of Prometheus text. Not part of the build. */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

function promtoolAvailable(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Checks the text with promtool; skipped loudly outside CI when promtool is missing (Debian package prometheus). */
export function checkPromtool(text: string): void {
  if (!promtoolAvailable()) {
    if (process.env['CI']) throw new Error('promtool is missing in CI: install the Debian package prometheus');
    console.warn('SKIPPING promtool check: promtool not installed (apt-get install prometheus)');
    return;
  }
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(`${checked.stdout}${checked.stderr}`.trim()).toBe('');
  expect(checked.status).toBe(0);
}
