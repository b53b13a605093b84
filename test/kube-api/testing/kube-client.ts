/** A small HTTPS client for tests that talk to the fake directly (and a watch reader). */
import https from 'node:https';
import type { FakeKubeApi } from '../start-fake-kube-api.js';

export interface Reply {
  readonly status: number;
  readonly body: any;
}

export function request(api: FakeKubeApi, method: string, path: string, body?: unknown, contentType = 'application/json', token = api.token): Promise<Reply> {
  const url = new URL(path, api.url);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, ca: api.caCertificate, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload !== undefined ? { 'content-type': contentType } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain text (logs)
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface WatchStream {
  readonly events: { type: string; object: any }[];
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens a watch and collects its events as they arrive. */
export function watch(api: FakeKubeApi, path: string): Promise<WatchStream> {
  const events: { type: string; object: any }[] = [];
  return new Promise((resolve, reject) => {
    const req = https.get(new URL(path, api.url), { ca: api.caCertificate, headers: { authorization: `Bearer ${api.token}` } }, (res) => {
      let buffer = '';
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          events.push(JSON.parse(buffer.slice(0, newline)) as { type: string; object: unknown });
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
      });
      resolve({ events, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}
