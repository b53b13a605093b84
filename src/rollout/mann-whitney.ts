/**
 * The Mann-Whitney U test, one-sided: is the first sample stochastically greater (the canary
 * slower) than the second? Ties get average ranks and the variance their correction; the p-value
 * comes from the normal approximation with a continuity correction (as scipy's
 * `mannwhitneyu(x, y, alternative='greater', method='asymptotic')`).
 */

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, plus half of the tied pairs. */
  readonly u: number;
  readonly nA: number;
  readonly nB: number;
  readonly z: number;
  /** Probability of a U at least this large if both samples come from one distribution. */
  readonly pValue: number;
}

/** Counts of each sample per ordered group (a distinct value, or a histogram bucket). */
interface Group {
  readonly a: number;
  readonly b: number;
}

export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): MannWhitneyResult | undefined {
  const merged = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))];
  merged.sort((x, y) => x.value - y.value);
  const groups: Group[] = [];
  let index = 0;
  while (index < merged.length) {
    const value = (merged[index] as { value: number }).value;
    let inA = 0;
    let inB = 0;
    while (index < merged.length && (merged[index] as { value: number }).value === value) {
      if ((merged[index] as { first: boolean }).first) inA++;
      else inB++;
      index++;
    }
    groups.push({ a: inA, b: inB });
  }
  return fromGroups(groups);
}

/** The same test on two histograms with the same buckets: each bucket is one group of ties. */
export function mannWhitneyGreaterGrouped(countsA: readonly number[], countsB: readonly number[]): MannWhitneyResult | undefined {
  if (countsA.length !== countsB.length) return undefined;
  return fromGroups(countsA.map((count, index) => ({ a: count, b: countsB[index] ?? 0 })));
}

function fromGroups(groups: readonly Group[]): MannWhitneyResult | undefined {
  const nA = groups.reduce((sum, group) => sum + group.a, 0);
  const nB = groups.reduce((sum, group) => sum + group.b, 0);
  if (nA === 0 || nB === 0) return undefined;
  const n = nA + nB;
  let rankSumA = 0;
  let tieTerm = 0;
  let before = 0;
  for (const group of groups) {
    const size = group.a + group.b;
    if (size === 0) continue;
    rankSumA += group.a * (before + (size + 1) / 2);
    tieTerm += size ** 3 - size;
    before += size;
  }
  const u = rankSumA - (nA * (nA + 1)) / 2;
  const mean = (nA * nB) / 2;
  const variance = ((nA * nB) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, nA, nB, z: 0, pValue: 1 };
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, nA, nB, z, pValue: normalSurvival(z) };
}

/** P(Z > z) for a standard normal Z. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
