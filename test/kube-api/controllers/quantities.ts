/** Kubernetes resource quantities as the Docker engine wants them. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, '': 1 };

/** `128Mi` → bytes. */
export function memoryBytes(quantity: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([KMGT]i|[kMGT]|)$/.exec(String(quantity ?? ''));
  if (!match) return undefined;
  const unit = match[2] ?? '';
  return Math.round(Number(match[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1));
}

/** `500m` or `2` → nano-CPUs. */
export function nanoCpus(quantity: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(quantity ?? ''));
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (match[2] === 'm' ? 1e6 : 1e9));
}
