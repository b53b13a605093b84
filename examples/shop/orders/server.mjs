// orders: takes orders, reserving stock in catalog through the Skiff router, and keeps them in
// a JSON file in its Skiff volume ($SKIFF_VOLUME_DATA), else in $DATA_DIR (default ./data). Its API is rooted at `/` so it can be mounted at
// any path: the router serves it at /orders with the prefix stripped.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createLogger, HttpError, notFound, readJson, routerUrl, sendJson, serve } from './http-kit.mjs';
import { createJsonStore } from './json-store.mjs';

const catalogTimeoutMs = 3000;

const store = createJsonStore({
  dir: path.resolve(process.env.SKIFF_VOLUME_DATA ?? process.env.DATA_DIR ?? './data'),
  file: 'orders.json',
  seed: { orders: [] },
});
await store.init();

const log = createLogger('orders');

async function callCatalog(productId, action, quantity) {
  const url = `${routerUrl()}/catalog/products/${encodeURIComponent(productId)}/${action}`;
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity }),
      signal: AbortSignal.timeout(catalogTimeoutMs),
    });
  } catch (err) {
    log('error', 'catalog unreachable', { url, error: String(err?.cause?.code ?? err?.message ?? err) });
    throw new HttpError(502, 'catalog is unavailable, try again');
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) return body;
  if ([400, 404, 409].includes(response.status)) throw new HttpError(response.status, body.error ?? 'rejected by catalog', body);
  log('error', 'catalog failed', { url, status: response.status });
  throw new HttpError(502, 'catalog is unavailable, try again');
}

async function createOrder(req, res) {
  const body = await readJson(req);
  const productId = body?.productId;
  const quantity = body?.quantity ?? 1;
  if (typeof productId !== 'string' || productId === '') throw new HttpError(400, 'productId is required');
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
    throw new HttpError(400, 'quantity must be a whole number from 1 to 1000');
  }
  const reserved = await callCatalog(productId, 'reserve', quantity);
  const order = {
    id: `ord_${randomUUID().slice(0, 8)}`,
    productId,
    productName: reserved.name,
    quantity,
    unitPrice: reserved.price,
    total: reserved.price * quantity,
    createdAt: new Date().toISOString(),
  };
  try {
    await store.update((data) => {
      data.orders.push(order);
    });
  } catch (err) {
    // The stock is reserved but no order records it: give it back.
    await callCatalog(productId, 'release', quantity).catch(() => {});
    throw err;
  }
  sendJson(res, 201, order);
}

async function handle(req, res, url) {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 && req.method === 'GET') {
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 50) || 50, 1), 500);
    const { orders } = await store.read();
    return sendJson(res, 200, { orders: orders.slice(-limit).reverse() });
  }
  if (parts.length === 0 && req.method === 'POST') return createOrder(req, res);
  if (parts.length === 1 && req.method === 'GET') {
    const { orders } = await store.read();
    const order = orders.find((o) => o.id === parts[0]);
    if (!order) throw new HttpError(404, `no order "${parts[0]}"`);
    return sendJson(res, 200, order);
  }
  throw notFound();
}

serve({ service: 'orders', defaultPort: 3002, handle });
