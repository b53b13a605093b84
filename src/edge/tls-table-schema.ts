/** The routing table's `tls` section as it crosses the admin socket and the table file. */
import { z } from 'zod';
import { inspectCertificate } from './certificate.js';

const hostName = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a host name or a wildcard such as *.example.com');

const certificateSchema = z
  .object({
    hosts: z.array(hostName).min(1).describe('the hosts served with it: exact, or one wildcard label `*.example.com`'),
    cert: z.string().min(1).describe('PEM certificate chain, the leaf first'),
    key: z.string().min(1).describe('PEM private key'),
    source: z.enum(['file', 'acme']),
  })
  .strict()
  .superRefine((certificate, ctx) => {
    // A pair that cannot be served is refused with the table; an expired one is served (the
    // control plane alerts on it) rather than leaving its hosts without any certificate.
    const check = inspectCertificate(certificate.cert, certificate.key);
    if (!check.ok) ctx.addIssue({ code: 'custom', path: [check.field], message: check.problem });
  });

export const tlsSchema = z
  .object({
    certificates: z.array(certificateSchema),
    acmeChallenges: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be an ACME token (base64url)'), z.string().min(1))
      .optional()
      .describe('HTTP-01 answers by token, served at /.well-known/acme-challenge/TOKEN on the plain listeners'),
  })
  .strict();
