import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AcmeCertificateView, CertificatePort, CertificateView } from '../certificate-port.js';
import { defineRoute } from '../route.js';

const acmeCertificateViewSchema: z.ZodType<AcmeCertificateView> = z
  .object({
    state: z.enum(['pending', 'valid', 'renewing', 'failing']),
    directory: z.string().describe("the CA's ACME directory URL"),
    lastError: z.string().nullable().describe("the CA's last error, until an order succeeds"),
    attempts: z.number().int().describe('failed orders in a row'),
    nextAttemptAt: z.string().nullable().describe('when it is renewed next, or the next attempt after a failure'),
  })
  .describe('how the ACME loop stands for the host');

export const certificateViewSchema: z.ZodType<CertificateView> = z
  .object({
    environment: z.string(),
    hosts: z.array(z.string()).describe('exact hosts or *.example.com'),
    source: z.enum(['file', 'acme']),
    issuer: z.string().nullable().describe('null for an ACME host without a certificate yet (as the other facts)'),
    notBefore: z.string().nullable(),
    notAfter: z.string().nullable(),
    daysLeft: z.number().int().nullable().describe('whole days until it expires; negative once expired'),
    fingerprint256: z.string().nullable(),
    renewedAt: z.string().nullable().describe("when the certificate was obtained: ACME's issuance or last renewal, a file's notBefore"),
    acme: acmeCertificateViewSchema.nullable(),
  })
  .describe("a certificate an environment's router serves on its TLS listeners");

export function certificateRoutes(certificates: CertificatePort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/certificates',
      tag: 'certificates',
      summary: 'The certificates the routers serve (hosts, issuer, expiry, source) and the ACME state of each ACME host, also those without a certificate yet',
      querystring: z.strictObject({ environment: z.string().optional().describe('only this environment') }),
      response: z.array(certificateViewSchema),
      handler: async (request) => [...(await certificates.list(request.query.environment))],
    });
  };
}
