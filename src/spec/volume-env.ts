/** What a driver needs of a volume, without the schema (drivers run where zod is not loaded). */

/** One volume of a release: what a driver needs to give it to an instance. */
export interface VolumeMount {
  readonly name: string;
  /** Where a container sees it. */
  readonly path: string;
}

/** The variable that tells an instance where its volume is: `SKIFF_VOLUME_DATA` for `data`. */
export function volumeEnvName(name: string): string {
  return `SKIFF_VOLUME_${name.toUpperCase().replace(/-/g, '_')}`;
}
