// web: the shop's page. Renders products and recent orders on the server, calling catalog and
// orders through the Skiff router, and turns the buy form into an order.
import { randomUUID } from 'node:crypto';
import { flagValue } from './flags.mjs';
import { createLogger, HttpError, notFound, readBody, routerUrl, serve } from './http-kit.mjs';
import { renderPage } from './page.mjs';

const upstreamTimeoutMs = 3000;
const log = createLogger('web');

async function getJson(path) {
  try {
    const response = await fetch(`${routerUrl()}${path}`, { signal: AbortSignal.timeout(upstreamTimeoutMs) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    return await response.json();
  } catch (err) {
    log('warn', 'upstream failed', { path, error: String(err?.cause?.code ?? err?.message ?? err) });
    return null;
  }
}

const visitorCookie = 'shop_visitor';

/** The visitor's id from its cookie, or a new one (set on the answer): the flag's targeting key. */
function visitorOf(req) {
  const match = new RegExp(`(?:^|;\\s*)${visitorCookie}=([\\w-]{1,64})`).exec(req.headers.cookie ?? '');
  return match ? { id: match[1], isNew: false } : { id: randomUUID(), isNew: true };
}

async function home(req, res, url) {
  const visitor = visitorOf(req);
  const [catalog, orders, newPriceDisplay] = await Promise.all([
    getJson('/catalog/products'),
    getJson('/orders?limit=10'),
    flagValue('new-price-display', { targetingKey: visitor.id }, false),
  ]);
  const html = renderPage({
    products: catalog?.products ?? null,
    orders: orders?.orders ?? null,
    ordered: url.searchParams.get('ordered'),
    error: url.searchParams.get('error'),
    priceDisplay: newPriceDisplay ? 'new' : 'classic',
  });
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    ...(visitor.isNew ? { 'set-cookie': `${visitorCookie}=${visitor.id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax` } : {}),
  });
  res.end(html);
}

async function placeOrder(productId, quantity) {
  try {
    const response = await fetch(`${routerUrl()}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ productId, quantity }),
      signal: AbortSignal.timeout(upstreamTimeoutMs * 2),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 201) return { ordered: body.id };
    return { error: body.error ?? `the order failed (${response.status})` };
  } catch (err) {
    log('error', 'orders unreachable', { error: String(err?.cause?.code ?? err?.message ?? err) });
    return { error: 'the orders service is unavailable, try again' };
  }
}

async function buy(req, res) {
  const form = new URLSearchParams(await readBody(req));
  const productId = form.get('productId') ?? '';
  const quantity = Number(form.get('quantity') ?? '1');
  if (productId === '') throw new HttpError(400, 'productId is required');
  const outcome = await placeOrder(productId, quantity);
  // Post/redirect/get: reloading the page does not order twice.
  res.writeHead(303, { location: `/?${new URLSearchParams(outcome)}` });
  res.end();
}

async function handle(req, res, url) {
  if (url.pathname === '/' && req.method === 'GET') return home(req, res, url);
  if (url.pathname === '/buy' && req.method === 'POST') return buy(req, res);
  throw notFound();
}

serve({ service: 'web', defaultPort: 3000, handle });
