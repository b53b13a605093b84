/**
 * A TCP proxy on 127.0.0.1 in front of a server, that can play a server closing its kept-alive
 * connections: after `cutOnNextUse()`, the connections open at that moment are destroyed when the
 * client next sends on them, before anything reaches the server (a server's idle timeout firing as
 * the client reuses the connection). Connections made later pass through. `cutNow()` drops the
 * open connections at once (a watch or a followed log whose connection breaks).
 */
import net from 'node:net';

export interface CuttingProxy {
  readonly port: number;
  /** Connections destroyed so far. */
  readonly cut: () => number;
  cutOnNextUse(): void;
  cutNow(): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const armed = new Set<net.Socket>();
  let cut = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    clients.add(client);
    client.on('close', () => clients.delete(client));
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (armed.delete(client)) {
        cut += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => cut,
    cutOnNextUse() {
      for (const client of clients) armed.add(client);
    },
    cutNow() {
      cut += clients.size;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
