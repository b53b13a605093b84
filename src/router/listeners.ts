/**
 * The data plane's listeners: the router's address and any extra addresses on the same port (the
 * docker bridge gateway, for containers), one data server each over one DataPlane. Bound in order,
 * the first deciding the port when it asks for 0; all or none.
 */
import type { Server } from 'node:http';
import type { DataPlane } from './data-plane.js';
import { createDataServer, type DataServer, type DataServerOptions, type ListenTarget } from './data-server.js';

export interface Listeners {
  readonly port: number;
  /** The listening servers, in the order of the targets (a successor inherits them so). */
  readonly servers: readonly Server[];
  /** Stops accepting on every address; waits for in-flight requests up to `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

/** Where the router listens: options shared by the single-process router and the cluster primary. */
export interface ListenAddresses {
  readonly listenHost: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** More addresses served on the same port (the docker bridge gateway). */
  readonly alsoListen?: readonly string[];
  /**
   * The listening sockets are inherited as descriptors 3, 4, … in the order listenHost, alsoListen…
   * (a successor primary takes them over from the workers of the one that died).
   */
  readonly inheritListeners?: boolean;
}

export function listenTargets(addresses: ListenAddresses): ListenTarget[] {
  const hosts = [addresses.listenHost, ...(addresses.alsoListen ?? [])];
  return hosts.map((host, index) => (addresses.inheritListeners === true ? { fd: 3 + index } : { host, port: addresses.port }));
}

/** `host:port` of every address, for messages. */
export function describeAddresses(addresses: ListenAddresses): string {
  return [addresses.listenHost, ...(addresses.alsoListen ?? [])].map((host) => `${host}:${addresses.port}`).join(', ');
}

export async function listenAll(plane: DataPlane, options: DataServerOptions, targets: readonly ListenTarget[]): Promise<Listeners> {
  const opened: DataServer[] = [];
  let port = 0;
  try {
    for (const target of targets) {
      const data = createDataServer(plane, options);
      // Extra addresses share the first one's port, also when it was chosen by the kernel.
      const bound = 'fd' in target ? await data.listenFd(target.fd) : await data.listen(opened.length > 0 ? port : target.port, target.host);
      opened.push(data);
      if (opened.length === 1) port = bound;
    }
  } catch (err) {
    for (const data of opened) {
      data.server.close();
      data.server.closeAllConnections();
    }
    throw err;
  }
  return {
    port,
    servers: opened.map((data) => data.server),
    drain: async (timeoutMs) => {
      await Promise.all(opened.map((data) => data.drain(timeoutMs)));
    },
  };
}
