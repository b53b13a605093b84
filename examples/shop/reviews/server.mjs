// reviews: product reviews, run as a container (driver: docker). It listens on every address
// of the container (the engine publishes PORT on the host's 127.0.0.1) and reaches the other
// services through SKIFF_ROUTER_URL, which Skiff points at the router from inside the container,
// and evaluates flags at OFREP_ENDPOINT, which Skiff points at its API the same way.
import http from 'node:http';
import { flagValue } from './flags.mjs';

const reviews = {
  kettle: [{ stars: 5, text: 'Boils fast, looks good on the stove.' }, { stars: 4, text: 'The handle gets warm.' }],
};
const instance = process.env.SKIFF_INSTANCE_ID ?? null;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function productName(id) {
  const base = process.env.SKIFF_ROUTER_URL;
  if (!base) return null;
  try {
    const response = await fetch(`${base}/catalog/products/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? ((await response.json()).name ?? null) : null;
  } catch {
    return null;
  }
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://reviews');
  if (url.pathname === '/health') return send(res, 200, { ok: true, instance });
  const match = /^\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && match) {
    const id = decodeURIComponent(match[1]);
    const list = reviews[id] ?? [];
    const [product, withSummary] = await Promise.all([productName(id), flagValue('review-summary', { targetingKey: id }, false)]);
    const summary = withSummary && list.length > 0 ? { count: list.length, averageStars: list.reduce((sum, r) => sum + r.stars, 0) / list.length } : undefined;
    return send(res, 200, { productId: id, product, reviews: list, ...(summary ? { summary } : {}), instance });
  }
  send(res, 404, { error: 'not found' });
});

server.listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)));
