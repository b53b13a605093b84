/**
 * Cross-origin access to OFREP, for web pages on another origin (the OpenFeature web SDK's OFREP
 * provider). Any origin may call: the credential is a bearer token the page sends itself, never a
 * cookie, so a page without a token gets nothing more than a 401. The preflight is public because
 * a browser sends it without the Authorization header it asks about.
 */
import type { FastifyInstance } from 'fastify';

const preflightHeaders = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, if-none-match',
  'access-control-max-age': '600',
} as const;

/** For the OFREP plugin only: its answers (errors included) carry the CORS headers; `urls` get a preflight route. */
export function installOfrepCors(app: FastifyInstance, urls: readonly string[]): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    // The bulk answer's ETag is what the web provider sends back as If-None-Match.
    reply.header('access-control-expose-headers', 'ETag');
    return payload;
  });
  for (const url of urls) {
    app.route({
      method: 'OPTIONS',
      url,
      config: { access: 'public' },
      handler: async (_request, reply) => reply.code(204).headers(preflightHeaders).send(),
    });
  }
}
