/** The routing table's `tls` section as it crosses the admin socket and the table file. */
import { z } from 'zod';
import { inspectCertificate } from './certificate.js';

const hostName = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a host name or a wildcard such as *.example.com');

/**
 * A pair that cannot be served is refused with the table; an expired one is served (the control
 * plane alerts on it) rather than leaving its hosts without any certificate.
 */
function servablePair(pair: { readonly cert: string; readonly key: string }, ctx: z.RefinementCtx): void {
  const check = inspectCertificate(pair.cert, pair.key);
  if (!check.ok) ctx.addIssue({ code: 'custom', path: [check.field], message: check.problem });
}

const certificateSchema = z
  .object({
    hosts: z.array(hostName).min(1).describe('the hosts served with it: exact, or one wildcard label `*.example.com`'),
    cert: z.string().min(1).describe('PEM certificate chain, the leaf first'),
    key: z.string().min(1).describe('PEM private key'),
    source: z.enum(['file', 'acme']),
  })
  .strict()
  .superRefine(servablePair);

const alpnCertificateSchema = z
  .object({
    host: hostName,
    cert: z.string().min(1).describe('PEM challenge certificate (self-signed, with the acmeIdentifier extension)'),
    key: z.string().min(1).describe('PEM private key'),
  })
  .strict()
  .superRefine(servablePair);

export const tlsSchema = z
  .object({
    certificates: z.array(certificateSchema),
    acmeChallenges: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be an ACME token (base64url)'), z.string().min(1))
      .optional()
      .describe('HTTP-01 answers by token, served at /.well-known/acme-challenge/TOKEN on the plain listeners'),
    acmeAlpnCertificates: z
      .array(alpnCertificateSchema)
      .optional()
      .describe('TLS-ALPN-01 answers: served on the TLS listeners only to a handshake offering ALPN acme-tls/1 for the host'),
  })
  .strict();
