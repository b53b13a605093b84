// Summarizes the router's CPU profiles (`BENCH_PROFILE=dir node bench/router.js` writes them):
// `node bench/router-profile.js dir [top]` prints, per folder of profiles, the busy time (samples
// that are not idle) by kind of code, and the functions with the most self time.
// V8's profiler samples on a wall-clock interval: on an oversubscribed machine a process that is
// preempted inside a system call is charged to that call; the /proc user/system split the bench
// prints is the reliable total, this is where the user time goes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (!dir) {
  console.error('usage: node bench/router-profile.js <profile dir> [top]');
  process.exit(2);
}

function kindOf(frame) {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(root)') return 'V8/native (program)';
  if (url.includes('/dist/router/fast-path/')) return 'router: fast path';
  if (url.includes('/dist/router/')) return 'router: other code';
  if (url.includes('/undici/')) return 'undici';
  if (url.includes('/pino') || url.includes('thread-stream') || url.includes('sonic-boom')) return 'logging';
  if (/^node:(_http|http)/.test(url)) return 'node:http';
  if (/^node:(net|internal\/stream_base|internal\/net|internal\/streams|stream|events|internal\/timers|timers|buffer|internal\/buffer|internal\/process)/.test(url)) return 'node: net/streams/events/timers';
  if (url === '') return `native: ${name}`;
  return 'other JS';
}

function profiles(folder) {
  return readdirSync(folder).filter((f) => f.endsWith('.cpuprofile')).map((f) => JSON.parse(readFileSync(path.join(folder, f), 'utf8')));
}

function summarize(label, list) {
  const selfByNode = new Map();
  const kinds = new Map();
  const functions = new Map();
  let busy = 0;
  for (const profile of list) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const micros = profile.timeDeltas[i] ?? 0;
      const kind = kindOf(node.callFrame);
      if (kind === 'idle') return;
      busy += micros;
      kinds.set(kind, (kinds.get(kind) ?? 0) + micros);
      const where = node.callFrame.url ? `${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : '';
      const key = `${node.callFrame.functionName || '(anonymous)'} ${where}`;
      functions.set(key, (functions.get(key) ?? 0) + micros);
    });
    selfByNode.clear();
  }
  const pct = (micros) => `${((100 * micros) / busy).toFixed(1)}%`;
  console.log(`\n${label}: ${list.length} profiles, busy ${(busy / 1e6).toFixed(2)} s`);
  for (const [kind, micros] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(micros).padStart(6)}  ${kind}`);
  console.log(`  top ${top} functions by self time:`);
  for (const [name, micros] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(micros).padStart(6)}  ${name}`);
}

const folders = [dir, ...readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => statSync(f).isDirectory())];
for (const folder of folders) {
  const list = profiles(folder);
  if (list.length > 0) summarize(folder, list);
}
