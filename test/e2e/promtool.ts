/** `promtool check metrics` for scrapes in end-to-end tests. */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

function promtoolAvailable(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** `promtool check metrics` on the text; skipped loudly outside CI when promtool is missing. */
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
