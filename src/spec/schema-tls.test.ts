import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';
import { letsEncryptDirectory } from './schema-tls.js';

function spec(...routeLines: string[]): string {
  return ['name: shop', 'services:', '  web:', '    start: node server.js', '    routes:', ...routeLines, ''].join('\n');
}

describe('a route’s tls in the spec', () => {
  it("takes acme with an email, Let's Encrypt production by default, another directory when given", () => {
    const parsed = parseSpec(
      spec(
        '      - host: shop.example.com',
        '        tls: { acme: { email: ops@example.com } }',
        '      - host: staging.example.com',
        '        tls: { acme: { email: ops@example.com, directory: "https://127.0.0.1:14000/dir" } }',
        '      - host: alpn.example.com',
        '        tls: { acme: { email: ops@example.com, challenge: tls-alpn-01 } }',
        '      - host: files.example.com',
        '        tls: { cert: certs/files.pem, key: certs/files.key }',
      ),
      'skiff.yaml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.spec.services.web?.routes.map((route) => route.tls)).toEqual([
      { acme: { email: 'ops@example.com', directory: letsEncryptDirectory, challenge: 'http-01' } },
      { acme: { email: 'ops@example.com', directory: 'https://127.0.0.1:14000/dir', challenge: 'http-01' } },
      { acme: { email: 'ops@example.com', directory: letsEncryptDirectory, challenge: 'tls-alpn-01' } },
      { cert: 'certs/files.pem', key: 'certs/files.key' },
    ]);
  });

  it('refuses an unknown challenge with its path, naming the ones there are', () => {
    const parsed = parseSpec(spec('      - host: a.example.com', '        tls: { acme: { email: ops@example.com, challenge: dns-01 } }'), 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        path: 'services.web.routes.0.tls.acme.challenge',
        message: expect.stringMatching(/http-01.*tls-alpn-01/),
        position: expect.objectContaining({ line: 7 }),
      }),
    ]);
  });

  it('refuses a route with tls but no host, with the path and a hint', () => {
    const parsed = parseSpec(spec('      - path: /', '        tls: { acme: { email: ops@example.com } }'), 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toContainEqual(
      expect.objectContaining({ path: 'services.web.routes.0.tls', code: 'SKIFF_SPEC_INVALID_VALUE', message: expect.stringContaining('needs a host'), position: expect.objectContaining({ line: 7 }) }),
    );
  });

  it('refuses an email that is not one and a plain-http directory', () => {
    const parsed = parseSpec(
      spec('      - host: a.example.com', '        tls: { acme: { email: ops, directory: "http://ca.example/dir" } }'),
      'skiff.yaml',
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((error) => error.path).join(' ')).toContain('services.web.routes.0.tls');
  });
});
