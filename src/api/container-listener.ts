/**
 * The API as containers reach it. Inside a container 127.0.0.1 is the container itself, so the
 * API also listens on the docker bridge's gateway (where the router listens for containers too),
 * on the same port, and answers only OFREP there: a container evaluates flags with its
 * environment's token and reaches nothing else of the API.
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';

const servedPrefix = '/ofrep/';

export interface ContainerListener {
  /** The addresses it listens on; one that could not be bound is left out (and reported). */
  readonly hosts: readonly string[];
  close(): Promise<void>;
}

export async function listenForContainers(
  app: FastifyInstance,
  options: { readonly hosts: readonly string[]; readonly port: number; readonly onError: (host: string, error: unknown) => void },
): Promise<ContainerListener> {
  const servers: http.Server[] = [];
  const hosts: string[] = [];
  for (const host of options.hosts) {
    const server = http.createServer((request, response) => {
      if (request.url?.startsWith(servedPrefix)) return app.routing(request, response);
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'SKIFF_NOT_FOUND', message: `containers reach only OFREP (${servedPrefix}…) on this address` }));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, host, () => resolve());
      });
      servers.push(server);
      hosts.push(host);
    } catch (error) {
      options.onError(host, error);
    }
  }
  return {
    hosts,
    close: async () => {
      await Promise.all(
        servers.map((server) => {
          const closed = new Promise((resolve) => server.close(resolve));
          server.closeAllConnections();
          return closed;
        }),
      );
    },
  };
}
