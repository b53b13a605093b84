// A bounded closed-loop GET load: `clients` concurrent keep-alive clients for `durationMs`,
// spread round-robin over `origins`, no retries. `events` run at their offset into the load;
// `stopWhen`, a promise, ends the load early once it settles.
import { Pool } from 'undici';

export async function runLoad({ origins, path, clients, durationMs, maxRequests, events = [], stopWhen }) {
  const pools = origins.map(
    (origin) => new Pool(origin, { connections: clients, pipelining: 1, connect: { timeout: 1000 } }),
  );
  const counts = { total: 0, failed: 0, errors: new Map() };
  const started = performance.now();
  const timers = events.map(({ atMs, run }) => setTimeout(run, atMs));
  let next = 0;
  let stopped = false;
  stopWhen?.finally(() => (stopped = true));

  const fail = (reason) => {
    counts.failed++;
    counts.errors.set(reason, (counts.errors.get(reason) ?? 0) + 1);
  };
  const client = async () => {
    while (!stopped && performance.now() - started < durationMs && counts.total < maxRequests) {
      const pool = pools[next++ % pools.length];
      counts.total++;
      try {
        const { statusCode, body } = await pool.request({ path, method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
        await body.dump();
        if (statusCode < 200 || statusCode > 299) fail(`status ${statusCode}`);
      } catch (err) {
        fail(err.code ?? err.name ?? 'error');
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsedMs = performance.now() - started;
  for (const timer of timers) clearTimeout(timer);
  await Promise.all(pools.map((pool) => pool.destroy()));
  return { ...counts, elapsedMs };
}
