/**
 * Feature flags end to end: the real `skiff up`, a real instance that receives the OFREP endpoint
 * and its environment's evaluation token, and the stock Node server SDK with
 * @openfeature/ofrep-provider using exactly what the instance received.
 */
import { FlagdCore } from '@openfeature/flagd-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import { checkPromtool } from '../../src/core/testing/promtool.js';

let platform: Platform | undefined;
afterEach(async () => {
  await OpenFeature.clearProviders();
  await platform?.stop();
  platform = undefined;
});

const checkout = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { fractional: [['on', 20], ['off', 80]] },
};

const spec = `name: shop
services:
  web:
    start: [node, server.mjs]
    instances: 1
    readiness: { http: /, interval: 200ms }
    routes:
      - path: /web
        stripPrefix: true
flags:
  new-checkout: ${JSON.stringify(checkout)}
environments:
  dev: {}
`;

/** Answers with the flag variables Skiff gave it, as a service would read them. */
const server = `import http from 'node:http';
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ endpoint: process.env.OFREP_ENDPOINT, alias: process.env.OPENFEATURE_OFREP_ENDPOINT, headers: process.env.OFREP_HEADERS }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

interface FlagEnv {
  readonly endpoint: string;
  readonly alias: string;
  readonly headers: string;
}

/** OFREP_HEADERS as OFREP's configuration proposal writes them: `Name=value,Name=value`. */
function parseHeaders(text: string): [string, string][] {
  return text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
}

async function serviceClient(current: Platform): Promise<{ client: Client; env: FlagEnv }> {
  const env = await waitFor('the instance to answer through the router', async () => {
    const response = await fetch(`${current.routerUrl}/web/`);
    return response.ok ? ((await response.json()) as FlagEnv) : null;
  });
  await OpenFeature.setProviderAndWait('shop', new OFREPProvider({ baseUrl: env.endpoint, headers: parseHeaders(env.headers) }));
  return { client: OpenFeature.getClient('shop'), env };
}

describe('feature flags with the stock OpenFeature server SDK', () => {
  it('a 20% split gives about 20% of 1,000 keys the new variant, each as flagd-core buckets it; a `skiff flag set` reaches a polling client', async () => {
    platform = await startPlatform({ spec, files: { 'server.mjs': server } });
    await waitForReady(platform, { web: 1 });
    const { client, env } = await serviceClient(platform);
    expect(env.endpoint).toBe(platform.apiUrl);
    expect(env.alias).toBe(env.endpoint);
    expect(env.headers).toMatch(/^Authorization=Bearer skiff_/);

    // The instance's token evaluates flags and may do nothing else.
    const token = env.headers.slice('Authorization=Bearer '.length);
    expect((await platform.fetch('/api/v1/environments/dev/status', { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);

    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify({ flags: { 'new-checkout': checkout } }));
    let on = 0;
    for (let i = 0; i < 1000; i += 1) {
      const targetingKey = `customer-${i}`;
      const value = await client.getBooleanValue('new-checkout', false, { targetingKey });
      expect(value, targetingKey).toBe(core.resolveBooleanEvaluation('new-checkout', false, { targetingKey }).value);
      if (value) on += 1;
    }
    console.log(`new-checkout at 20%: ${on} of 1000 targeting keys got "on"`);
    expect(on).toBeGreaterThan(150);
    expect(on).toBeLessThan(250);
    for (const targetingKey of ['customer-1', 'customer-2', 'customer-3']) {
      expect(await client.getBooleanValue('new-checkout', false, { targetingKey })).toBe(await client.getBooleanValue('new-checkout', false, { targetingKey }));
    }

    // A client polling a key that gets "on" sees it turned off by `skiff flag set` on its next poll.
    const pollMs = 200;
    const onKey = Array.from({ length: 1000 }, (_, i) => `customer-${i}`).find((key) => core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: key }).value) as string;
    expect(await client.getBooleanValue('new-checkout', false, { targetingKey: onKey })).toBe(true);
    const set = platform.cli(['flag', 'set', 'new-checkout', '--state', 'DISABLED', '--env', 'dev']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('new-checkout: DISABLED');
    const changedAt = Date.now();
    const seen = await waitFor('a poll to see the flag disabled', async () => {
      const started = Date.now();
      // Disabled: the caller's default (false) instead of "on" (provider 0.1.x also reports an error).
      const details = await client.getBooleanDetails('new-checkout', false, { targetingKey: onKey });
      if (details.value !== false) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        return null;
      }
      return { started, at: Date.now(), details };
    });
    console.log(`skiff flag set reached a client polling every ${pollMs}ms after ${seen.at - changedAt}ms (its first poll after the change saw it)`);
    // Nothing caches an evaluation: the first poll that starts after the change sees it.
    expect(seen.started - changedAt).toBeLessThanOrEqual(pollMs + 1_000);

    const rollout = platform.cli(['flag', 'rollout', 'new-checkout', '50%', '--env', 'dev']);
    expect(rollout.code, rollout.stderr).toBe(0);
    expect(platform.cli(['flag', 'set', 'new-checkout', '--state', 'ENABLED', '--env', 'dev']).code).toBe(0);
    const list = platform.cli(['flag', 'list', '--env', 'dev']);
    expect(list.stdout).toMatch(/new-checkout +ENABLED +off +on 50% \/ off 50% +runtime/);
    const history = platform.cli(['flag', 'history', 'new-checkout', '--env', 'dev']);
    expect(history.stdout.split('\n').filter((line) => /set|rollout/.test(line))).toHaveLength(3);

    const metrics = await (await platform.fetch('/metrics')).text();
    expect(metrics).toMatch(/skiff_flag_evaluations_total\{environment="dev",flag="new-checkout",variant="on",reason="TARGETING_MATCH"\} \d+/);
    expect(metrics).toMatch(/skiff_flag_evaluations_total\{environment="dev",flag="new-checkout",variant="",reason="DISABLED"\} \d+/);
    checkPromtool(metrics);

    const reset = platform.cli(['flag', 'reset', 'new-checkout', '--env', 'dev']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(platform.cli(['flag', 'list', '--env', 'dev']).stdout).toMatch(/on 20% \/ off 80% +spec/);
  }, 180_000);
});
