/** The kubeconfig file a client (kubectl, the Kubernetes provider) uses to reach the fake. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly path: string;
  readonly server: string;
  readonly token: string;
  readonly user: string;
  readonly namespace: string;
  /** PEM of the certificate authority that signed the server's certificate. */
  readonly caCertificate: string;
}

export const FAKE_CONTEXT = 'skiff-fake';

export function writeKubeconfig(input: KubeconfigInput): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: FAKE_CONTEXT, cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caCertificate).toString('base64') } }],
    users: [{ name: input.user, user: { token: input.token } }],
    contexts: [{ name: FAKE_CONTEXT, context: { cluster: FAKE_CONTEXT, user: input.user, namespace: input.namespace } }],
    'current-context': FAKE_CONTEXT,
    preferences: {},
  };
  writeFileSync(input.path, stringify(config), { mode: 0o600 });
}
