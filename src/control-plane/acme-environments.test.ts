import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../spec/desired.js';
import { parseSpec } from '../spec/parse.js';
import { letsEncryptDirectory } from '../spec/schema-tls.js';
import { acmeOrders } from './acme-environments.js';

describe('ACME orders of an environment', () => {
  it('names each host whose route asks for acme, lowercase, with its challenge, and skips certificate files', () => {
    const parsed = parseSpec(
      [
        'name: shop',
        'services:',
        '  web:',
        '    start: node server.js',
        '    routes:',
        '      - host: Shop.Example.com',
        '        tls: { acme: { email: ops@example.com } }',
        '      - host: closed-port-80.example.com',
        '        tls: { acme: { email: ops@example.com, challenge: tls-alpn-01 } }',
        '      - host: files.example.com',
        '        tls: { cert: a.pem, key: a.key }',
        '      - host: plain.example.com',
        '',
      ].join('\n'),
      'skiff.yaml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(acmeOrders(resolveEnvironment(parsed.spec, 'dev', {}))).toEqual([
      { host: 'shop.example.com', email: 'ops@example.com', directory: letsEncryptDirectory, challenge: 'http-01' },
      { host: 'closed-port-80.example.com', email: 'ops@example.com', directory: letsEncryptDirectory, challenge: 'tls-alpn-01' },
    ]);
  });
});
