import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { ReleaseWorkload } from './input.js';
import { releaseLabels } from './labels.js';
import { secretName } from './names.js';

/**
 * The release's secrets, or null when it has none. Immutable: a changed secret makes a new
 * release. Written as base64 `data`, not `stringData`, which the API server folds into `data` (a
 * GitOps tool would see the difference forever).
 */
export function releaseSecret(environment: string, namespace: string, workload: ReleaseWorkload): ISecret | null {
  const names = Object.keys(workload.secrets).sort();
  if (names.length === 0) return null;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName(workload.service.name, workload.release),
      namespace,
      labels: releaseLabels(environment, workload.service.name, workload.release),
    },
    immutable: true,
    type: 'Opaque',
    data: Object.fromEntries(names.map((name) => [name, Buffer.from(workload.secrets[name] ?? '', 'utf8').toString('base64')])),
  };
}
