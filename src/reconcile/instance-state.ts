/** What the reconciler observes of one instance: plain data, the input of the planners. */
export type InstanceState = 'starting' | 'ready' | 'unhealthy' | 'stopping' | 'crashed';

export interface ObservedInstance {
  readonly id: string;
  readonly service: string;
  readonly configHash: string;
  readonly state: InstanceState;
  /** When a crashed instance may start again (ms since epoch); null when not crashed. */
  readonly nextStartAt: number | null;
  /** Creation order, to stop the newest first when scaling down. */
  readonly ordinal: number;
}
