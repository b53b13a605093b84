// catalog: the products, their prices and stock. Its data is a JSON file in $DATA_DIR
// (default ./data), shared by all its instances.
import path from 'node:path';
import { HttpError, notFound, readJson, sendJson, serve } from './http-kit.mjs';
import { createJsonStore } from './json-store.mjs';
import { seedProducts } from './seed.mjs';

const store = createJsonStore({
  dir: path.resolve(process.env.DATA_DIR ?? './data'),
  file: 'catalog.json',
  seed: { products: seedProducts },
});
await store.init();

function findProduct(data, id) {
  const product = data.products.find((p) => p.id === id);
  if (!product) throw new HttpError(404, `no product "${id}"`);
  return product;
}

function quantityOf(body) {
  const quantity = body?.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
    throw new HttpError(400, 'quantity must be a whole number from 1 to 1000');
  }
  return quantity;
}

async function handle(req, res, url) {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'products') throw notFound();

  if (parts.length === 1 && req.method === 'GET') {
    const data = await store.read();
    return sendJson(res, 200, { products: data.products });
  }
  const id = parts[1];
  if (parts.length === 2 && req.method === 'GET') {
    return sendJson(res, 200, findProduct(await store.read(), id));
  }
  if (parts.length === 3 && req.method === 'POST' && (parts[2] === 'reserve' || parts[2] === 'release')) {
    const quantity = quantityOf(await readJson(req));
    const reserve = parts[2] === 'reserve';
    const result = await store.update((data) => {
      const product = findProduct(data, id);
      if (reserve && product.stock < quantity) {
        throw new HttpError(409, `not enough stock for "${id}"`, { available: product.stock, requested: quantity });
      }
      product.stock += reserve ? -quantity : quantity;
      return { productId: product.id, name: product.name, price: product.price, quantity, stock: product.stock };
    });
    return sendJson(res, 200, result);
  }
  throw notFound();
}

serve({ service: 'catalog', defaultPort: 3001, handle });
