import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { validSpecText } from './testing/spec-fixtures.js';
import { createTestAccess, type TestAccess } from './testing/test-access.js';

let controlPlane: MemoryControlPlane;
let app: FastifyInstance;
let baseUrl: string;
let access: TestAccess;
let authorization: { authorization: string };

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  access = createTestAccess();
  app = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '1.0.0' });
  authorization = { authorization: `Bearer ${access.token('reader', 'viewer')}` };
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  await controlPlane.apply({ text: validSpecText, file: 'skiff.yaml', baseDir: '/srv' }, { author: 'ana' });
});
afterEach(async () => {
  await app.close();
  access.close();
});

/** Reads a streamed body chunk by chunk until `done` says enough, bounded by a timeout. */
async function readUntil(response: Response, done: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!done(text)) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(text)}`);
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(text)}`)), timeoutMs)),
    ]);
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

describe('log follow', () => {
  it('streams the tail, then new lines, and detaches when the client goes', async () => {
    controlPlane.appendLog('catalog', { instance: 'catalog-1', stream: 'stdout', line: 'old' });
    const abort = new AbortController();
    const response = await fetch(`${baseUrl}/api/v1/environments/dev/services/catalog/logs?follow=true&tail=10`, {
      signal: abort.signal,
      headers: authorization,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(1);
    controlPlane.appendLog('catalog', { instance: 'catalog-2', stream: 'stderr', line: 'new' });
    controlPlane.appendLog('web', { instance: 'web-1', stream: 'stdout', line: 'other service' });
    const text = await readUntil(response, (t) => t.includes('"new"'));
    expect(text.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { time: '2026-11-26T10:00:00.000Z', release: 'v1', instance: 'catalog-1', stream: 'stdout', line: 'old' },
      { time: '2026-11-26T10:00:00.000Z', release: 'v1', instance: 'catalog-2', stream: 'stderr', line: 'new' },
    ]);
    abort.abort();
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(0);
  });

  it('ends open streams when the app closes', async () => {
    const response = await fetch(`${baseUrl}/api/v1/environments/dev/services/catalog/logs?follow=true`, { headers: authorization });
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(1);
    await app.close();
    expect(await readUntil(response, () => false)).toBe('');
    expect(controlPlane.followers).toBe(0);
  });
});

describe('event stream', () => {
  it('delivers new events as Server-Sent Events and unsubscribes on disconnect', async () => {
    const abort = new AbortController();
    const response = await fetch(`${baseUrl}/api/v1/events/stream`, { signal: abort.signal, headers: authorization });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    await expect.poll(() => controlPlane.subscribers, { timeout: 5000 }).toBe(1);
    const event = controlPlane.record({ type: 'instance.crashed', environment: 'dev', service: 'web', message: 'exit 1' });
    const text = await readUntil(response, (t) => t.includes('instance.crashed'));
    const frame = text.split('\n\n').find((block) => block.startsWith('id:'));
    expect(frame).toBe(`id: ${event.id}\ndata: ${JSON.stringify(event)}`);
    abort.abort();
    await expect.poll(() => controlPlane.subscribers, { timeout: 5000 }).toBe(0);
  });

  it('replays events after Last-Event-ID before the live ones', async () => {
    const first = controlPlane.record({ type: 'a', message: 'one' });
    controlPlane.record({ type: 'b', message: 'two' });
    const abort = new AbortController();
    const response = await fetch(`${baseUrl}/api/v1/events/stream`, {
      signal: abort.signal,
      headers: { ...authorization, 'last-event-id': String(first.id) },
    });
    await expect.poll(() => controlPlane.subscribers, { timeout: 5000 }).toBe(1);
    controlPlane.record({ type: 'c', message: 'three' });
    const text = await readUntil(response, (t) => t.includes('"three"'));
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids).toEqual([first.id + 1, first.id + 2]);
    abort.abort();
  });
});

describe('streams need a token', () => {
  it('refuses the event and log streams without one, before opening them', async () => {
    for (const url of ['/api/v1/events/stream', '/api/v1/environments/dev/services/catalog/logs?follow=true']) {
      const response = await fetch(`${baseUrl}${url}`);
      expect(response.status, url).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="skiff"');
      expect(((await response.json()) as { code: string }).code).toBe('SKIFF_UNAUTHORIZED');
    }
    expect(controlPlane.subscribers).toBe(0);
    expect(controlPlane.followers).toBe(0);
  });
});

describe('revoked tokens', () => {
  it('ends the open log and event streams of a token when it is revoked', async () => {
    const admin = { authorization: `Bearer ${access.token('boss', 'admin')}` };
    const logs = await fetch(`${baseUrl}/api/v1/environments/dev/services/catalog/logs?follow=true`, { headers: authorization });
    const events = await fetch(`${baseUrl}/api/v1/events/stream`, { headers: authorization });
    expect([logs.status, events.status]).toEqual([200, 200]);
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(1);
    const revoked = await fetch(`${baseUrl}/api/v1/tokens/reader`, { method: 'DELETE', headers: admin });
    expect(revoked.status).toBe(200);
    // Nothing more is delivered: both bodies end, and the follower is detached.
    const [logText, eventText] = await Promise.all([readUntil(logs, () => false), readUntil(events, () => false)]);
    controlPlane.appendLog('catalog', { instance: 'catalog-1', stream: 'stdout', line: 'after revocation' });
    expect(logText).not.toContain('after revocation');
    expect(eventText).not.toContain('after revocation');
    expect(controlPlane.followers).toBe(0);
    const again = await fetch(`${baseUrl}/api/v1/environments/dev/services/catalog/logs?follow=true`, { headers: authorization });
    expect(again.status).toBe(401);
  });
});
