/**
 * How a container reaches the router. Inside a container 127.0.0.1 is the container itself, so
 * the router process also listens on the default bridge's gateway address (the host's side of
 * docker0, e.g. 172.17.0.1: reachable from containers on that bridge, not from other machines),
 * and containers get `SKIFF_ROUTER_URL=http://host.docker.internal:<port>` with that name mapped
 * to the gateway (the OFREP endpoint likewise: the API listens there for OFREP). The driver opens no listener of its own: it only names the gateway (the local
 * provider passes it to the router launcher) and fills in the container's URL and hosts entry.
 */
import type Docker from 'dockerode';

export const ROUTER_HOST_ALIAS = 'host.docker.internal';

/**
 * Variables holding the URL of a Skiff server on the host's loopback that a container must reach
 * through the gateway: the router, and the API for flag evaluation (OFREP), which listens there
 * for OFREP only.
 */
const hostUrlVariables = ['SKIFF_ROUTER_URL', 'OFREP_ENDPOINT', 'OPENFEATURE_OFREP_ENDPOINT'] as const;

export interface ContainerHostAccess {
  /** The variables rewritten to name the host by its alias, e.g. `SKIFF_ROUTER_URL=http://host.docker.internal:8080`. */
  readonly env: Readonly<Record<string, string>>;
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

/** What a container gets for the host's loopback URLs in `env`, through `gateway`; null when there are none. */
export function containerHostAccess(env: Readonly<Record<string, string>>, gateway: string): ContainerHostAccess | null {
  const rewritten: Record<string, string> = {};
  for (const name of hostUrlVariables) {
    const url = env[name];
    const port = url === undefined ? null : loopbackPort(url);
    if (port !== null) rewritten[name] = `http://${ROUTER_HOST_ALIAS}:${port}`;
  }
  if (Object.keys(rewritten).length === 0) return null;
  return { env: rewritten, extraHost: `${ROUTER_HOST_ALIAS}:${gateway}` };
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
