/** A service's autoscaling as `skiff status` and the API show it: bounds, measure, what is observed. */
export interface AutoscaleStatus {
  readonly min: number;
  readonly max: number;
  readonly measure: 'concurrency' | 'rps' | 'cpu';
  /** Per instance (cpu in percent of a core). */
  readonly target: number;
  /** The stable window's demand per ready instance, in the measure's unit; null before the first sample. */
  readonly observed: number | null;
  readonly mode: 'stable' | 'panic';
  /** The count the autoscaler decided. */
  readonly desired: number;
  /** It decided zero: the service runs no instance until a request wakes it. */
  readonly scaledToZero: boolean;
}
