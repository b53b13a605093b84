/**
 * A self-signed certificate for 127.0.0.1. kubectl (client-go) sends a bearer token only over
 * TLS, so the fake serves HTTPS; the kubeconfig carries this certificate as its CA.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
}

export function createSelfSignedCertificate(dir: string): TlsMaterial {
  const keyPath = path.join(dir, 'apiserver.key');
  const certPath = path.join(dir, 'apiserver.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=skiff-kube-fake',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', keyPath, '-out', certPath],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
}
