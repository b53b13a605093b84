/** The TLS versions and ciphers of the public listeners. */
import type { TlsOptions } from 'node:tls';

/**
 * Mozilla's "intermediate" TLS 1.2 suites (forward secrecy, AEAD only); TLS 1.3 suites are
 * OpenSSL's defaults and not set here.
 */
const tls12Ciphers = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const tlsSettings = {
  minVersion: 'TLSv1.2',
  ciphers: `TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:${tls12Ciphers}`,
  honorCipherOrder: false,
} as const satisfies TlsOptions;

/** Protocols offered by ALPN, preferred first. */
export const alpnProtocols = ['h2', 'http/1.1'];
