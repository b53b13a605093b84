import net from 'node:net';

/** Asks the kernel for a free port on 127.0.0.1, skipping ports already handed out. */
export async function freePort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port && !taken.has(port)) return port;
  }
  throw new Error('no free port found on 127.0.0.1');
}
