/**
 * Listen addresses as people write them: `IP:PORT` (IPv6 in brackets), plain HTTP unless the
 * port is 443 or the address ends in `/tls`. Shared by the spec's `router.listen` and the flags
 * of `skiff up`.
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** `IP:PORT` (port 0: any free one); undefined when the text is not one. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const at = text.lastIndexOf(':');
  if (at < 0) return undefined;
  const host = text.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const portText = text.slice(at + 1);
  const port = Number(portText);
  if (isIP(host) === 0 || !/^\d+$/.test(portText) || port > 65535) return undefined;
  return { host, port };
}

/** `IP:PORT` or `IP:PORT/tls`; port 443 is TLS either way. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const explicit = text.endsWith('/tls');
  const address = parseHostPort(explicit ? text.slice(0, -4) : text);
  return address === undefined ? undefined : { ...address, tls: explicit || address.port === 443 };
}

export function formatHostPort(address: { readonly host: string; readonly port: number }): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** 127.0.0.0/8 and ::1: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}
