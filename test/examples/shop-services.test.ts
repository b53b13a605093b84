/**
 * The example shop's services, each started directly with node on a free port. A small proxy in
 * the test stands in for the Skiff router: `/catalog/*` and `/orders/*` with the prefix stripped,
 * everything else to web.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFromSource } from '../../src/spec/testing/resolve-from-source.js';
import { specSchema } from '../../src/spec/schema.js';

const shopDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/shop');

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

const started: Started[] = [];
let dataDir = '';
let proxy: http.Server | undefined;
let routerUrl = '';
let catalogA: Started;
let catalogB: Started;
let orders: Started;
let web: Started;

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startService(service: string, instanceId: string, env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: path.join(shopDir, service),
    env: { PATH: process.env.PATH ?? '', PORT: String(port), SKIFF_INSTANCE_ID: instanceId, DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const entry: Started = { name: instanceId, child, url: `http://127.0.0.1:${port}`, output: () => output };
  started.push(entry);
  await waitFor(
    async () => ((await fetch(`${entry.url}/health`)).ok ? true : undefined),
    10_000,
    `${instanceId} to answer /health (output: ${output})`,
  );
  return entry;
}

function startProxy(): Promise<string> {
  let next = 0;
  const pick = (pathname: string): { target: Started; path: string } => {
    for (const [prefix, targets] of [
      ['/catalog', [catalogA, catalogB]],
      ['/orders', [orders]],
    ] as const) {
      if (pathname === prefix || pathname.startsWith(`${prefix}/`) || pathname.startsWith(`${prefix}?`)) {
        const target = targets[next++ % targets.length]!;
        const rest = pathname.slice(prefix.length);
        return { target, path: rest.startsWith('/') ? rest : `/${rest}` };
      }
    }
    return { target: web, path: pathname };
  };
  proxy = http.createServer((req, res) => {
    const { target, path: forwardPath } = pick(req.url ?? '/');
    const upstream = http.request(
      `${target.url}${forwardPath}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    proxy!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(proxy!.address() as AddressInfo).port}`));
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  return json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function stockOf(id: string): Promise<number> {
  return (await json(`${catalogA.url}/products/${id}`)).body.stock;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'shop-test-'));
  routerUrl = await startProxy();
  [catalogA, catalogB] = await Promise.all([startService('catalog', 'catalog-a'), startService('catalog', 'catalog-b')]);
  [orders, web] = await Promise.all([
    startService('orders', 'orders-a', { SKIFF_ROUTER_URL: routerUrl }),
    startService('web', 'web-a', { SKIFF_ROUTER_URL: routerUrl }),
  ]);
});

afterAll(async () => {
  for (const { child } of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('examples/shop', () => {
  it('skiff.yaml is a valid spec with the shop services and their routes', () => {
    const spec = specSchema.parse(parse(readFileSync(path.join(shopDir, 'skiff.yaml'), 'utf8')));
    expect(Object.keys(spec.services).sort()).toEqual(['catalog', 'orders', 'reviews', 'web']);
    expect(spec.services.catalog?.instances).toBe(2);
    expect(spec.services.catalog?.routes[0]).toMatchObject({ path: '/catalog', stripPrefix: true });
    expect(spec.services.orders?.routes[0]).toMatchObject({ path: '/orders', stripPrefix: true });
    expect(Object.keys(spec.environments).sort()).toEqual(['dev', 'production', 'staging']);
    for (const service of Object.values(spec.services)) expect(service.readiness?.http).toBe('/health');
    expect(spec.services.reviews).toMatchObject({ driver: 'docker', image: { dockerfile: './Dockerfile' } });
  });

  it('each environment runs the intended number of instances with its own data directory', () => {
    const spec = specSchema.parse(parse(readFileSync(path.join(shopDir, 'skiff.yaml'), 'utf8')));
    const resolved = (env: string) =>
      Object.fromEntries(resolveFromSource(spec, env, shopDir).services.map((s) => [s.name, s]));
    const dev = resolved('dev');
    expect([dev.catalog?.instances, dev.orders?.instances, dev.web?.instances]).toEqual([2, 1, 1]);
    expect(dev.catalog?.env.LOG_LEVEL).toBe('debug');
    const production = resolved('production');
    expect([production.catalog?.instances, production.orders?.instances, production.web?.instances]).toEqual([3, 2, 2]);
    expect(production.catalog?.env.DATA_DIR).toBe('./data/production');
    expect(resolved('staging').catalog?.env.DATA_DIR).toBe('./data/staging');
  });

  it('every service answers /health with its name and instance id', async () => {
    for (const [entry, service] of [[catalogA, 'catalog'], [orders, 'orders'], [web, 'web']] as const) {
      const { status, body } = await json(`${entry.url}/health`);
      expect(status).toBe(200);
      expect(body).toEqual({ status: 'ok', service, instance: entry.name });
    }
  });

  it('catalog seeds its data file and lists the products', async () => {
    expect(existsSync(path.join(dataDir, 'catalog.json'))).toBe(true);
    const { status, body } = await json(`${routerUrl}/catalog/products`);
    expect(status).toBe(200);
    expect(body.products.map((p: { id: string }) => p.id)).toContain('kettle');
    expect(body.products[0]).toEqual({ id: expect.any(String), name: expect.any(String), price: expect.any(Number), stock: expect.any(Number) });
    expect((await json(`${catalogB.url}/products/nope`)).status).toBe(404);
  });

  it('reserving decrements stock for every instance, and over-reserving is refused with 409', async () => {
    const before = await stockOf('kettle');
    const reserved = await post(`${catalogA.url}/products/kettle/reserve`, { quantity: 2 });
    expect(reserved).toMatchObject({ status: 200, body: { productId: 'kettle', quantity: 2, stock: before - 2 } });
    expect((await json(`${catalogB.url}/products/kettle`)).body.stock).toBe(before - 2);

    const refused = await post(`${catalogB.url}/products/kettle/reserve`, { quantity: 1000 });
    expect(refused).toMatchObject({ status: 409, body: { available: before - 2, requested: 1000 } });
    expect(await stockOf('kettle')).toBe(before - 2);
    expect((await post(`${catalogA.url}/products/kettle/reserve`, { quantity: 0 })).status).toBe(400);
  });

  it('concurrent reservations on both instances never oversell', async () => {
    const stock = await stockOf('grinder');
    const attempts = stock + 4;
    const results = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        post(`${(i % 2 === 0 ? catalogA : catalogB).url}/products/grinder/reserve`, { quantity: 1 }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(stock);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
    expect(await stockOf('grinder')).toBe(0);
  });

  it('orders reserves stock through the router and stores the order', async () => {
    const before = await stockOf('mug');
    const created = await post(`${routerUrl}/orders`, { productId: 'mug', quantity: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ productId: 'mug', productName: 'Stoneware mug', quantity: 3, total: 3 * 1250 });
    expect(await stockOf('mug')).toBe(before - 3);

    expect((await json(`${routerUrl}/orders/${created.body.id}`)).body).toEqual(created.body);
    expect((await json(`${routerUrl}/orders`)).body.orders[0]).toEqual(created.body);
    expect(existsSync(path.join(dataDir, 'orders.json'))).toBe(true);
  });

  it('orders passes on catalog refusals and validates its input', async () => {
    const tooMany = await post(`${routerUrl}/orders`, { productId: 'scale', quantity: 999 });
    expect(tooMany).toMatchObject({ status: 409, body: { error: expect.stringContaining('not enough stock') } });
    expect((await post(`${routerUrl}/orders`, { productId: 'unicorn', quantity: 1 })).status).toBe(404);
    expect((await post(`${routerUrl}/orders`, { quantity: 1 })).status).toBe(400);
    expect((await json(`${routerUrl}/orders/ord_missing`)).status).toBe(404);
  });

  it('web renders products and orders, and the buy form places an order', async () => {
    const bought = await fetch(`${routerUrl}/buy`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'productId=tin&quantity=2',
      redirect: 'manual',
    });
    expect(bought.status).toBe(303);
    const location = bought.headers.get('location') ?? '';
    expect(location).toMatch(/^\/\?ordered=ord_/);

    const page = await fetch(`${routerUrl}${location}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Coffee tin');
    expect(html).toContain('Enamel kettle');
    expect(html).toContain(`Order <code>${new URLSearchParams(location.slice(2)).get('ordered')}</code> is placed`);
    expect(html).toContain('€36.00');
  });

  it('logs one JSON line per request', async () => {
    await fetch(`${catalogA.url}/products/filter`);
    const line = await waitFor(
      async () =>
        catalogA
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .find((l) => l.msg === 'request' && l.path === '/products/filter'),
      5000,
      'the request log line',
    );
    expect(line).toMatchObject({ service: 'catalog', instance: 'catalog-a', method: 'GET', status: 200 });
  });

  it('stops cleanly on SIGTERM', async () => {
    const exit = new Promise<number | null>((resolve) => web.child.once('exit', (code) => resolve(code)));
    process.kill(web.child.pid!, 'SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000));
    expect(await Promise.race([exit, timeout])).toBe(0);
  });
});

describe('examples/shop catalog start', () => {
  it('starts while another instance holds the data lock longer than a request may wait (a loaded machine)', async () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'shop-lock-'));
    try {
      // A live holder (this test process) that keeps the lock for the whole start.
      writeFileSync(path.join(fresh, 'catalog.json.lock'), JSON.stringify({ pid: process.pid, at: Date.now() }));
      const catalog = await startService('catalog', 'catalog-slow', { DATA_DIR: fresh });
      const products = await json(`${catalog.url}/products`);
      expect(products.status).toBe(200);
      expect(products.body.products.length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(path.join(fresh, 'catalog.json'), 'utf8')).products.length).toBeGreaterThan(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
