import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { CertificatePort, CertificateView } from '../certificate-port.js';
import { defineRoute } from '../route.js';

export const certificateViewSchema: z.ZodType<CertificateView> = z
  .object({
    environment: z.string(),
    hosts: z.array(z.string()).describe('exact hosts or *.example.com'),
    issuer: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    daysLeft: z.number().int().describe('whole days until it expires; negative once expired'),
    source: z.enum(['file', 'acme']),
    fingerprint256: z.string(),
  })
  .describe("a certificate an environment's router serves on its TLS listeners");

export function certificateRoutes(certificates: CertificatePort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/certificates',
      tag: 'certificates',
      summary: "The certificates the routers serve: hosts, issuer, expiry and where each came from",
      querystring: z.strictObject({ environment: z.string().optional().describe('only this environment') }),
      response: z.array(certificateViewSchema),
      handler: async (request) => [...(await certificates.list(request.query.environment))],
    });
  };
}
