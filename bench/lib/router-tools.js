// Helpers of the router benchmark: wrk runs and their parsing, CPU ticks and memory from /proc.
import { spawnSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** wrk's "Latency Distribution" values like 1.23ms / 850.00us / 1.01s in microseconds. */
function micros(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value : match[2] === 'ms' ? value * 1_000 : match[2] === 's' ? value * 1_000_000 : value * 60_000_000;
}

export function parseWrk(output) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const p50 = micros(/^\s+50%\s+(\S+)/m.exec(output)?.[1] ?? '');
  const p99 = micros(/^\s+99%\s+(\S+)/m.exec(output)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(output)?.[1];
  return { rps, requests, p50, p99, non2xx, socketErrors };
}

/** Runs wrk for `seconds` (bounded: killed 10 s after its own end); `headers`: extra `Name: value` lines. */
export function runWrk({ url, connections, threads, seconds, headers = [] }) {
  return new Promise((resolve, reject) => {
    const extra = headers.flatMap((header) => ['-H', header]);
    const child = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '2s', ...extra, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${output}`));
      else resolve(parseWrk(output));
    });
  });
}

const clockTicks = 100;

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and its children (one level: nginx workers, router workers). */
export function processTree(pid) {
  const pids = [pid];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (Number(statFields(Number(name))[1]) === pid) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** User and system CPU seconds of the processes. */
export function cpuTimes(pids) {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    try {
      const fields = statFields(pid);
      user += Number(fields[11]);
      system += Number(fields[12]);
    } catch {
      // Gone: its ticks are lost, which only happens if a process died mid-run.
    }
  }
  return { user: user / clockTicks, system: system / clockTicks };
}

/** User plus system CPU seconds of the processes. */
export function cpuSeconds(pids) {
  const { user, system } = cpuTimes(pids);
  return user + system;
}

export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * nginx's configuration for the router benchmarks: 2 workers in front of `backends` with upstream
 * keepalive; `tls`: `{ cert, key }` files for an HTTPS and HTTP/2 listener instead of plain HTTP.
 */
export function nginxConfig({ prefix, port, backends, tls }) {
  const listen = tls === undefined
    ? `    listen 127.0.0.1:${port};`
    : `    listen 127.0.0.1:${port} ssl http2;\n    ssl_certificate ${tls.cert};\n    ssl_certificate_key ${tls.key};\n    ssl_protocols TLSv1.2 TLSv1.3;`;
  return `worker_processes 2;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  upstream backend {
${backends.map((b) => `    server 127.0.0.1:${b.port};`).join('\n')}
    keepalive 64;
  }
  server {
${listen}
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}
