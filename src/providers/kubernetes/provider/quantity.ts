/** Kubernetes resource quantities (`250m`, `123456n`, `64Mi`, `1e3`) as plain numbers. */

const suffixes: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const pattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The quantity's value (cores for CPU, bytes for memory); undefined when the text is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  if (match[2] !== undefined) return value * 10 ** Number(match[2].slice(1));
  return value * (suffixes[match[3] ?? ''] as number);
}
