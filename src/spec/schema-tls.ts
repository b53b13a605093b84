/**
 * A route's TLS: a certificate from files, or one obtained and renewed over ACME (Let's Encrypt
 * by default). The router serves it for the route's host, picked by SNI.
 */
import { z } from 'zod';
import { isRecordLike, type SpecIssueParams } from './schema-values.js';

export const letsEncryptDirectory = 'https://acme-v02.api.letsencrypt.org/directory';

/** The ACME challenges the router answers (RFC 8555 HTTP-01, RFC 8737 TLS-ALPN-01). */
export const acmeChallengeTypes = ['http-01', 'tls-alpn-01'] as const;
export type AcmeChallengeType = (typeof acmeChallengeTypes)[number];

const fileTlsSchema = z.strictObject({
  cert: z.string().min(1).describe('the PEM certificate chain (leaf first), a path relative to the spec file'),
  key: z.string().min(1).describe("the certificate's PEM private key, a path relative to the spec file"),
});

export const acmeSettingsSchema = z
  .strictObject({
    email: z.email().describe("the ACME account's contact, told of expiring certificates and problems"),
    directory: z
      .string()
      .refine((text) => URL.canParse(text) && new URL(text).protocol === 'https:', 'directory must be an https:// URL')
      .default(letsEncryptDirectory)
      .describe("the CA's ACME directory URL (default Let's Encrypt production; its staging, or pebble, for tests)"),
    challenge: z
      .enum(acmeChallengeTypes)
      .default('http-01')
      .describe(
        'how the CA checks the host is ours: `http-01` (the router answers on its plain HTTP listener, port 80) or `tls-alpn-01` (the router answers in the TLS handshake on its HTTPS listener, port 443: for hosts whose port 80 is closed)',
      ),
  })
  .describe('a certificate for the route host obtained and renewed automatically over ACME (HTTP-01 or TLS-ALPN-01 answered by the router)');

const acmeTlsSchema = z.strictObject({ acme: acmeSettingsSchema });

export const routeTlsSchema = z
  .union([fileTlsSchema, acmeTlsSchema])
  .describe('HTTPS for the route host: `cert` and `key` files, or `acme: { email }`');

export type RouteTlsSpec = z.infer<typeof routeTlsSchema>;
export type AcmeSettings = z.infer<typeof acmeSettingsSchema>;

/** A certificate names a host: a route with `tls` needs one. Runs on raw input (any shape). */
export function checkRouteTls(service: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (!Array.isArray(service.routes)) return;
  service.routes.forEach((route: unknown, index) => {
    if (!isRecordLike(route) || route.tls === undefined || typeof route.host === 'string') return;
    ctx.addIssue({
      code: 'custom',
      path: ['routes', index, 'tls'],
      message: 'a route with tls needs a host: a certificate names the host it is for',
      params: { hint: 'add `host: www.example.com` to the route' } satisfies SpecIssueParams,
    });
  });
}
