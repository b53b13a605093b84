/**
 * Skiff's units in Kubernetes' terms, written in the canonical form the API server stores
 * (`1Gi`, not `1024Mi`; `1`, not `1000m`), so the live object reads back exactly as written.
 */

const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const decimalSuffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'] as const;

/** Bytes as a quantity: the largest binary unit that divides it, else the largest decimal one. */
export function memoryQuantity(bytes: number): string {
  const [base, suffixes] = bytes % 1024 === 0 ? [1024, binarySuffixes] : [1000, decimalSuffixes];
  let value = bytes;
  let exponent = 0;
  while (value % base === 0 && value > 0 && exponent < suffixes.length - 1) {
    value /= base;
    exponent += 1;
  }
  return `${value}${suffixes[exponent]}`;
}

/** Cores as a quantity: whole cores plain (`2`), else millicores (`500m`); 1m is Kubernetes' smallest unit. */
export function cpuQuantity(cores: number): string {
  const millicores = Math.max(1, Math.round(cores * 1000));
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Milliseconds as whole seconds, rounded up, at least `min` (probe fields take no fractions). */
export function wholeSeconds(ms: number, min = 1): number {
  return Math.max(min, Math.ceil(ms / 1000));
}
