/**
 * Object names. Kubernetes wants DNS labels (at most 63 characters; Services also start with a
 * letter, DNS-1035), so a name that is not one as written is cleaned, cut, and suffixed with a
 * hash of what was asked for: two different inputs never share a name.
 */
import { createHash } from 'node:crypto';

const maxLength = 63;
const hashLength = 10;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1035 label (hence also a DNS-1123 label) for the parts joined with dashes. */
export function dnsLabel(...parts: readonly string[]): string {
  const joined = parts.join('-');
  if (joined.length <= maxLength && dns1035Label.test(joined)) return joined;
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, hashLength);
  const clean = joined
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '');
  const head = clean.slice(0, maxLength - hashLength - 1).replace(/-+$/, '');
  // A hash alone may start with a digit, which a Service name may not.
  return head ? `${head}-${hash}` : `h${hash}`;
}

/** The Deployment (and Service) of one release: `catalog-v3`. */
export function releaseObjectName(service: string, release: string): string {
  return dnsLabel(service, release);
}

/** The immutable ConfigMap of a release's environment variables, named by a hash of its content. */
export function envConfigMapName(service: string, contentHash: string): string {
  return dnsLabel(service, 'env', contentHash);
}

export function secretName(service: string, release: string): string {
  return dnsLabel(service, release, 'secrets');
}

export const routerName = 'skiff-router';
export const routerTableConfigMapName = 'skiff-router-routes';
export const controlPlaneName = 'skiff-control-plane';
/** The image pull Secret of an environment whose registry asks for credentials. */
export const registrySecretName = 'skiff-registry';
