/** The echo spec with a TLS listener and a route for a.test whose certificate comes from certs/a.pem and certs/a.key. */
import { echoSpec } from './platform.js';

export function tlsSpec(tlsPort: number, extraRoute = ''): string {
  return echoSpec().replace(
    '      - path: /echo\n        stripPrefix: true\n',
    `      - path: /echo\n        stripPrefix: true\n        host: a.test\n        tls: { cert: certs/a.pem, key: certs/a.key }\n        hsts: { maxAge: 8760h }\n${extraRoute}`,
  ).replace('environments:\n  dev: {}\n', `environments:\n  dev:\n    router:\n      listen: ["127.0.0.1:${tlsPort}/tls"]\n`);
}
