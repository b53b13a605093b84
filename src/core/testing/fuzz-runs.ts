/**
 * How many runs a property test makes: the short form in `npm test`, the long form under
 * `npm run fuzz` (SKIFF_FUZZ=long). The one place test code reads the variable, so every
 * property suite scales together.
 */
export const fuzzLong = process.env.SKIFF_FUZZ === 'long';

/** `short` runs by default; `long` runs in the long form (fewer where one run is expensive). */
export function fuzzRuns(short: number, long: number): number {
  return fuzzLong ? long : short;
}

