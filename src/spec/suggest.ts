/** Nearest-word suggestions for misspelled keys and values ("did you mean ...?"). */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1, so `instnaces` is one step from `instances`.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (beforePrevious[j - 2] as number) + 1);
      }
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/** Words people bring from other tools, mapped to the key Skiff uses for the same thing. */
const synonyms: Readonly<Record<string, string>> = {
  replicas: 'instances',
  replica: 'instances',
  scale: 'instances',
  count: 'instances',
  command: 'start',
  cmd: 'start',
  run: 'start',
  entrypoint: 'start',
  environment: 'env',
  variables: 'env',
  vars: 'env',
  dir: 'path',
  directory: 'path',
  workdir: 'path',
  healthcheck: 'readiness',
  health: 'readiness',
  limits: 'resources',
  mem: 'memory',
  cpus: 'cpu',
  envs: 'environments',
  stages: 'environments',
};

/** Case, dashes and underscores do not distinguish keys for a suggestion: `stop_grace` → `stopGrace`. */
function normalize(word: string): string {
  return word.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible
 * typo (at most one edit per three characters, at least one).
 */
export function suggestNearest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const wanted = normalize(word);
  const synonym = synonyms[wanted];
  if (synonym !== undefined && candidates.includes(synonym)) return synonym;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalize(candidate));
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(wanted.length, best.candidate.length) / 3));
  return best.distance <= limit ? best.candidate : undefined;
}

/** `did you mean "x"?` when a candidate is close, else `allowed <noun>: a, b, c`. */
export function suggestionHint(word: string, candidates: readonly string[], noun: string): string {
  const nearest = suggestNearest(word, candidates);
  if (nearest !== undefined) return `did you mean "${nearest}"?`;
  if (candidates.length === 0) return `remove "${word}"`;
  return `allowed ${noun}: ${candidates.join(', ')}`;
}
