/**
 * How a container reaches the router. Inside a container 127.0.0.1 is the container itself, so
 * the router process also listens on the default bridge's gateway address (the host's side of
 * docker0, e.g. 172.17.0.1: reachable from containers on that bridge, not from other machines),
 * and containers get `SKIFF_ROUTER_URL=http://host.docker.internal:<port>` with that name mapped
 * to the gateway. The driver opens no listener of its own: it only names the gateway (the local
 * provider passes it to the router launcher) and fills in the container's URL and hosts entry.
 */
import type Docker from 'dockerode';

export const ROUTER_HOST_ALIAS = 'host.docker.internal';

export interface ContainerRouterAccess {
  /** The URL a container uses for the router. */
  readonly url: string;
  /** `name:address` for the container's /etc/hosts. */
  readonly extraHost: string;
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

/** What a container gets for the router at `hostUrl` (on the host's loopback) through `gateway`; null when it is elsewhere. */
export function containerRouterAccess(hostUrl: string, gateway: string): ContainerRouterAccess | null {
  const port = loopbackPort(hostUrl);
  if (port === null) return null;
  return { url: `http://${ROUTER_HOST_ALIAS}:${port}`, extraHost: `${ROUTER_HOST_ALIAS}:${gateway}` };
}

/** The first host address of an IPv4 subnet (`172.17.0.0/16` → `172.17.0.1`): docker's gateway when it names none. */
function firstHost(subnet: string): string | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet);
  if (!match) return null;
  return `${match[1]}.${match[2]}.${match[3]}.${Number(match[4]) + 1}`;
}

interface BridgeInfo {
  readonly IPAM?: { readonly Config?: readonly { readonly Gateway?: string; readonly Subnet?: string }[] };
}

/** The default bridge's gateway address on this host; null when the engine does not answer. */
export async function bridgeGateway(docker: Docker): Promise<string | null> {
  try {
    const info = (await docker.getNetwork('bridge').inspect()) as BridgeInfo;
    const configs = info.IPAM?.Config ?? [];
    const gateway = configs.find((config) => config.Gateway)?.Gateway;
    if (gateway !== undefined) return gateway;
    const subnet = configs.find((config) => config.Subnet && firstHost(config.Subnet))?.Subnet;
    return subnet === undefined ? null : firstHost(subnet);
  } catch {
    return null;
  }
}
