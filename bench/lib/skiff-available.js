// Whether `node bin/skiff.js up` can run: the build output of the CLI and of `up` exist.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Undefined when Skiff can run, otherwise why not. */
export function skiffUnavailableReason() {
  for (const file of ['dist/cli/program.js', 'dist/main/up.js']) {
    if (!existsSync(path.join(repoRoot, file))) return `${file} is missing (run \`npm run build\`)`;
  }
  return undefined;
}

/** `--only a,b` on the command line limits a benchmark to those parts. */
export function selectedParts(all) {
  const index = process.argv.indexOf('--only');
  if (index === -1) return new Set(all);
  return new Set((process.argv[index + 1] ?? '').split(',').filter((part) => all.includes(part)));
}

/** Ends the benchmark (exit code 1) with the reason when Skiff cannot run. */
export function exitUnlessSkiffRuns() {
  const unavailable = skiffUnavailableReason();
  if (!unavailable) return;
  console.error(`not measured: ${unavailable}`);
  process.exit(1);
}
