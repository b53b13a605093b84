// A bounded closed-loop GET load whose client count steps up: `steps` are [{ atMs, clients }]
// (clients added at that offset, never removed), ending at `durationMs` or `maxRequests`. Every
// answer is recorded with its start offset and latency, so percentiles can be taken per second.
import { Pool } from 'undici';

export async function runSteppedLoad({ url, steps, durationMs, maxRequests }) {
  const target = new URL(url);
  const most = Math.max(...steps.map((step) => step.clients));
  const pool = new Pool(target.origin, { connections: most, pipelining: 1, connect: { timeout: 2000 } });
  const records = [];
  const errors = new Map();
  const started = performance.now();
  let total = 0;
  const client = async () => {
    while (performance.now() - started < durationMs && total < maxRequests) {
      total++;
      const at = performance.now();
      let ok = false;
      try {
        const { statusCode, body } = await pool.request({ path: target.pathname, method: 'GET', headersTimeout: 15_000, bodyTimeout: 15_000 });
        await body.dump();
        ok = statusCode === 200;
        if (!ok) errors.set(`status ${statusCode}`, (errors.get(`status ${statusCode}`) ?? 0) + 1);
      } catch (err) {
        const reason = err.code ?? err.name ?? 'error';
        errors.set(reason, (errors.get(reason) ?? 0) + 1);
      }
      records.push({ atMs: at - started, latencyMs: performance.now() - at, ok });
    }
  };
  const running = [];
  let launched = 0;
  const timers = steps.map(({ atMs, clients }) =>
    setTimeout(() => {
      for (; launched < clients; launched++) running.push(client());
    }, atMs),
  );
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  for (const timer of timers) clearTimeout(timer);
  await Promise.all(running);
  await pool.destroy();
  return { records, errors, total, failed: records.filter((r) => !r.ok).length };
}

/** p99 of the latencies of requests started in [fromMs, toMs). */
export function p99Between(records, fromMs, toMs) {
  const latencies = records.filter((r) => r.atMs >= fromMs && r.atMs < toMs).map((r) => r.latencyMs).sort((a, b) => a - b);
  if (latencies.length === 0) return undefined;
  return latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)];
}
