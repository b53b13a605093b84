/** What the plain and TLS listeners answer themselves: ACME HTTP-01 challenges, HTTPS redirects, HSTS. */
import type { RouteHsts } from '../core/route-table.js';

export const acmeChallengePrefix = '/.well-known/acme-challenge/';

/** The token of an HTTP-01 challenge request's path; undefined for any other path. */
export function acmeChallengeToken(url: string): string | undefined {
  if (!url.startsWith(acmeChallengePrefix)) return undefined;
  const token = url.slice(acmeChallengePrefix.length).split('?', 1)[0] as string;
  return /^[A-Za-z0-9_-]+$/.test(token) ? token : undefined;
}

/** The same request's URL over HTTPS; the port is left out when it is 443. */
export function httpsLocation(host: string, url: string, httpsPort: number): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return `https://${bracketed}${httpsPort === 443 ? '' : `:${httpsPort}`}${url}`;
}

export function hstsValue(hsts: RouteHsts): string {
  return `max-age=${hsts.maxAgeSeconds}${hsts.includeSubDomains ? '; includeSubDomains' : ''}`;
}
