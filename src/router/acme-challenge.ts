/**
 * ACME HTTP-01: the router answers `GET /.well-known/acme-challenge/TOKEN` with the key
 * authorization the control plane put in the table, so a certificate authority validating a host
 * reaches the router that serves it. A token the table does not hold goes to the routes as usual
 * (a service may answer its own challenges).
 */
import type { ServerResponse } from 'node:http';
import type { RouteTable } from '../core/route-table.js';

export const acmeChallengePath = '/.well-known/acme-challenge/';

/** Token → key authorization; null when the table has none, so requests pay one comparison. */
export type AcmeChallenges = ReadonlyMap<string, string> | null;

export function compileChallenges(table: RouteTable): AcmeChallenges {
  const entries = Object.entries(table.tls?.acmeChallenges ?? {});
  return entries.length === 0 ? null : new Map(entries);
}

/** The key authorization to answer this request with, or undefined when it is not a known challenge. */
export function challengeAnswer(challenges: AcmeChallenges, method: string | undefined, url: string): string | undefined {
  if (challenges === null || (method !== 'GET' && method !== 'HEAD') || !url.startsWith(acmeChallengePath)) return undefined;
  return challenges.get(url.slice(acmeChallengePath.length));
}

export function sendChallengeAnswer(res: ServerResponse, keyAuthorization: string): void {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(Buffer.byteLength(keyAuthorization)),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : keyAuthorization);
}
