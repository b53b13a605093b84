/**
 * The data plane's listeners: the router's address and any extra addresses on the same port (the
 * docker bridge gateway, for containers), then the TLS listeners (HTTPS and HTTP/2, each on its
 * own address), one data server each over one DataPlane. Bound in order, the first deciding the
 * plain port when it asks for 0; all or none.
 */
import type { Server } from 'node:net';
import type { DataPlane } from './data-plane.js';
import { createDataServer, type DataServer, type DataServerOptions, type ListenTarget } from './data-server.js';

export interface Listeners {
  readonly port: number;
  /** The ports of the TLS listeners, in the order of `tlsListen`. */
  readonly tlsPorts: readonly number[];
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
  /** TLS listeners (HTTPS, HTTP/2 by ALPN), served with the routing table's certificates; after the plain ones. */
  readonly tlsListen?: readonly { readonly host: string; readonly port: number }[];
}

export function listenTargets(addresses: ListenAddresses): ListenTarget[] {
  const hosts = [addresses.listenHost, ...(addresses.alsoListen ?? [])];
  const inherit = addresses.inheritListeners === true;
  const plain: ListenTarget[] = hosts.map((host, index) => (inherit ? { fd: 3 + index } : { host, port: addresses.port }));
  const secure: ListenTarget[] = (addresses.tlsListen ?? []).map((address, index) =>
    inherit ? { fd: 3 + hosts.length + index, tls: true } : { ...address, tls: true },
  );
  return [...plain, ...secure];
}

/** `host:port` of every address, for messages. */
export function describeAddresses(addresses: ListenAddresses): string {
  const plain = [addresses.listenHost, ...(addresses.alsoListen ?? [])].map((host) => `${host}:${addresses.port}`);
  const secure = (addresses.tlsListen ?? []).map((address) => `${address.host}:${address.port} (TLS)`);
  return [...plain, ...secure].join(', ');
}

export async function listenAll(plane: DataPlane, options: DataServerOptions, targets: readonly ListenTarget[]): Promise<Listeners> {
  const opened: DataServer[] = [];
  const tlsPorts: number[] = [];
  let port = 0;
  try {
    for (const target of targets) {
      const secure = target.tls === true;
      const data = createDataServer(plane, secure ? { ...options, tls: plane.certificates } : options);
      opened.push(data);
      // Extra plain addresses share the first one's port, also when it was chosen by the kernel.
      const wanted = 'fd' in target ? undefined : secure || opened.length === 1 ? target.port : port;
      const bound = 'fd' in target ? await data.listenFd(target.fd) : await data.listen(wanted as number, target.host);
      if (secure) tlsPorts.push(bound);
      else if (opened.length === 1) port = bound;
    }
  } catch (err) {
    for (const data of opened) data.abort();
    throw err;
  }
  // Redirects to HTTPS name the first TLS listener's port.
  if (tlsPorts[0] !== undefined) plane.httpsPort = tlsPorts[0];
  return {
    port,
    tlsPorts,
    servers: opened.map((data) => data.acceptor),
    drain: async (timeoutMs) => {
      await Promise.all(opened.map((data) => data.drain(timeoutMs)));
    },
  };
}
