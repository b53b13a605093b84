/**
 * How a container reaches the router. Inside a container 127.0.0.1 is the container itself, and
 * the router listens only on the host's 127.0.0.1. The control plane relays TCP from the bridge
 * network's gateway address (the host's side of docker0, reachable from containers on the default
 * bridge and not from other machines) at the router's port to the router, and containers get
 * `SKIFF_ROUTER_URL=http://host.docker.internal:<port>` with that name mapped to the gateway.
 * The router is not opened on any other interface.
 */
import net from 'node:net';
import type Docker from 'dockerode';

export const ROUTER_HOST_ALIAS = 'host.docker.internal';
const DEFAULT_BRIDGE_GATEWAY = '172.17.0.1';

export interface ContainerRouterAccess {
  /** The URL a container uses for the router. */
  readonly url: string;
  /** `name:address` for the container's /etc/hosts. */
  readonly extraHost: string;
  readonly port: number;
}

export interface RouterRelays {
  /** Ensures a relay to the router at `hostUrl` (an http URL on 127.0.0.1); null when it is not one. */
  access(hostUrl: string): Promise<ContainerRouterAccess | null>;
  close(): void;
}

/** The router's port when `url` names the router on this host's loopback. */
export function loopbackPort(url: string): number | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(parsed.hostname)) return null;
    return Number(parsed.port || 80);
  } catch {
    return null;
  }
}

export function createRouterRelays(docker: Docker, onError: (error: Error) => void = () => undefined): RouterRelays {
  const relays = new Map<number, Promise<net.Server | null>>();
  let gateway: Promise<string> | undefined;

  const bridgeGateway = (): Promise<string> =>
    (gateway ??= docker
      .getNetwork('bridge')
      .inspect()
      .then((info: { IPAM?: { Config?: { Gateway?: string }[] } }) => info.IPAM?.Config?.find((config) => config.Gateway)?.Gateway ?? DEFAULT_BRIDGE_GATEWAY)
      .catch(() => DEFAULT_BRIDGE_GATEWAY));

  function listen(address: string, port: number): Promise<net.Server | null> {
    return new Promise((resolve) => {
      const server = net.createServer((client) => {
        const upstream = net.connect(port, '127.0.0.1');
        client.pipe(upstream).pipe(client);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', close);
        upstream.on('error', close);
      });
      server.once('error', (error) => {
        onError(error);
        resolve(null);
      });
      server.listen(port, address, () => {
        // The relay must not keep a stopping control plane alive.
        server.unref();
        resolve(server);
      });
    });
  }

  return {
    async access(hostUrl) {
      const port = loopbackPort(hostUrl);
      if (port === null) return null;
      const address = await bridgeGateway();
      let relay = relays.get(port);
      if (!relay) {
        relay = listen(address, port);
        relays.set(port, relay);
      }
      if ((await relay) === null) relays.delete(port);
      return { url: `http://${ROUTER_HOST_ALIAS}:${port}`, extraHost: `${ROUTER_HOST_ALIAS}:${address}`, port };
    },
    close() {
      for (const relay of relays.values()) void relay.then((server) => server?.close());
      relays.clear();
    },
  };
}
