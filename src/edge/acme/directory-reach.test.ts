import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAcmeClientAuthority } from './acme-client-authority.js';
import { reachDirectory } from './directory-reach.js';
import { freePort } from './testing/pebble.js';

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

async function answering(status: number): Promise<string> {
  const server = http.createServer((_request, response) => response.writeHead(status).end('{}'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dir`;
}

describe('reaching the ACME directory', () => {
  it('passes a directory that answers', async () => {
    await expect(reachDirectory(await answering(200))).resolves.toBeUndefined();
  });

  it('names a refused connection, an erroring CA and a bad URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/dir`;
    await expect(reachDirectory(closed)).rejects.toThrow(`cannot reach the ACME directory ${closed}: ECONNREFUSED`);
    await expect(reachDirectory(await answering(503))).rejects.toThrow(/answered HTTP 503/);
    await expect(reachDirectory('not a url')).rejects.toThrow(/not a URL/);
  });

  it('fails an order at once with that reason when the CA cannot be reached', async () => {
    const authority = createAcmeClientAuthority();
    const closed = `http://127.0.0.1:${await freePort()}/dir`;
    const board = { put: async () => {}, remove: async () => {} };
    const request = { hosts: ['shop.test'], email: 'ops@example.com', directory: closed, challenge: 'http-01' as const, accountKey: await authority.createAccountKey() };
    // Without the look first, acme-client retries for about 75 s and ends in a TypeError of its own.
    await expect(authority.issue(request, board)).rejects.toThrow(/cannot reach the ACME directory .*ECONNREFUSED/);
  }, 10_000);
});
