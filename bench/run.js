// `npm run bench`: every benchmark in sequence, each in its own process, printing its table.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const benchmarks = ['recovery.js', 'kill-under-load.js', 'router.js', 'router-tls.js', 'containers.js', 'metrics-history.js', 'rolling-deploy.js', 'canary-fail-fast.js', 'crashing-service.js', 'control-plane.js', 'cold-start.js', 'autoscale.js'];
const limitMs = 10 * 60_000;

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(benchDir, file)], { stdio: 'inherit' });
    const timer = setTimeout(() => {
      console.error(`${file}: still running after ${limitMs / 60_000} min, stopping it`);
      child.kill('SIGTERM');
    }, limitMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

let failed = 0;
for (const file of benchmarks) {
  console.log(`\n# ${file}`);
  if ((await run(file)) !== 0) failed++;
}
if (failed > 0) {
  console.error(`\n${failed} benchmark(s) did not measure everything; see the notes above`);
  process.exitCode = 1;
}
