/**
 * Containers get OFREP_ENDPOINT on the bridge gateway (the docker driver rewrites the loopback
 * URL), so the API listens there too, for OFREP only, when it listens on loopback. An API on a
 * wildcard address is reached there already.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { listenForContainers, type ContainerListener } from '../api/container-listener.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Driver } from '../drivers/driver.js';
import { routerListenAddresses } from '../providers/local/router-addresses.js';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

export async function listenApiForContainers(
  app: FastifyInstance,
  options: { readonly config: ServerConfig; readonly drivers: Readonly<Record<string, Driver>>; readonly logger: Logger },
): Promise<ContainerListener | null> {
  const { config, drivers, logger } = options;
  if (!loopbackHosts.has(config.apiHost)) return null;
  const hosts = await routerListenAddresses(drivers);
  if (hosts.length === 0) return null;
  const listener = await listenForContainers(app, {
    hosts,
    port: config.apiPort,
    onError: (host, error) => logger.warn({ err: error, host }, 'containers cannot evaluate flags: the API could not listen on the bridge gateway'),
  });
  logger.info({ hosts: listener.hosts, port: config.apiPort }, 'OFREP listening for containers');
  return listener;
}
