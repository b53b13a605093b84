/** The certificate files a spec's routes name, resolved against the spec file's directory. */
import path from 'node:path';
import type { CertificateFileRef } from '../edge/certificate-files.js';
import type { Spec } from '../spec/schema.js';

export function certificateRefs(spec: Spec, baseDir: string): CertificateFileRef[] {
  return Object.entries(spec.services).flatMap(([name, service]) =>
    service.routes.flatMap((route, index) =>
      route.tls === undefined || !('cert' in route.tls)
        ? []
        : [{ path: `services.${name}.routes.${index}.tls`, certPath: path.resolve(baseDir, route.tls.cert), keyPath: path.resolve(baseDir, route.tls.key) }],
    ),
  );
}
