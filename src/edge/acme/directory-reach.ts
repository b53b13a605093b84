/**
 * A quick look at the CA's directory before an order. acme-client retries a CA it cannot reach for
 * about 75 s and then fails with a TypeError of its own; this names the network error at once.
 */
import http from 'node:http';
import https from 'node:https';

const reachTimeoutMs = 10_000;

/** Resolves when the directory answers at all; otherwise rejects with what went wrong, in words. */
export function reachDirectory(directory: string, agent?: https.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (why: string) => reject(new Error(`cannot reach the ACME directory ${directory}: ${why}; check the directory URL and that the CA is reachable from this machine`));
    let url: URL;
    try {
      url = new URL(directory);
    } catch {
      failed('not a URL');
      return;
    }
    const client = url.protocol === 'http:' ? http : https;
    const request = client.get(url, { ...(agent && url.protocol === 'https:' ? { agent } : {}), timeout: reachTimeoutMs }, (response) => {
      response.resume();
      if ((response.statusCode ?? 500) >= 500) failed(`it answered HTTP ${response.statusCode}`);
      else resolve();
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${reachTimeoutMs / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => failed(error.code ? `${error.code} (${error.message})` : error.message));
  });
}
