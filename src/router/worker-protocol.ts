/** Messages between the router's primary process and its data-plane workers (node:cluster IPC). */
import type { RouteTable } from '../core/route-table.js';
import type { DrainAddress, DrainResult } from './drain.js';
import type { ListenTarget } from './data-server.js';
import type { MetricsSnapshot } from './metrics.js';
import type { SuccessorCommand } from './successor.js';
import type { ParallelSnapshot } from './parallel/counts.js';

export type PrimaryMessage =
  | {
      readonly t: 'start';
      /** The first is the router's address; all share its port. */
      readonly listen: readonly ListenTarget[];
      /** Where a successor primary answers once this worker's primary is gone (watched by orphans). */
      readonly adminSocket?: string;
      readonly headersTimeoutMs: number;
      readonly table: RouteTable;
      /** Absent: on. */
      readonly fastPath?: boolean;
    }
  /** The table as JSON text: serialized once for every worker instead of once per worker. */
  | { readonly t: 'table'; readonly seq: number; readonly json: string }
  | { readonly t: 'metrics'; readonly seq: number }
  | { readonly t: 'drain'; readonly timeoutMs: number }
  /** This worker starts the successor primary if the primary dies. */
  | ({ readonly t: 'successor' } & SuccessorCommand)
  /** Wait for the backends' in-flight work (not a shutdown: that is 'drain'). */
  | { readonly t: 'drain-backends'; readonly seq: number; readonly backends: readonly DrainAddress[]; readonly timeoutMs: number }
  | { readonly t: 'parallel'; readonly seq: number }
  | { readonly t: 'parallel-reset'; readonly seq: number; readonly route?: string };

export type WorkerMessage =
  /** Sent once the worker listens for messages: cluster's 'online' comes before the module has run. */
  | { readonly t: 'ready' }
  | { readonly t: 'listening'; readonly port: number; readonly tlsPorts: readonly number[] }
  | { readonly t: 'start-failed'; readonly message: string }
  | { readonly t: 'applied'; readonly seq: number }
  | { readonly t: 'metrics'; readonly seq: number; readonly snapshot: MetricsSnapshot }
  | { readonly t: 'drained'; readonly seq: number; readonly result: DrainResult }
  | { readonly t: 'parallel'; readonly seq: number; readonly snapshot: ParallelSnapshot }
  | { readonly t: 'parallel-reset'; readonly seq: number }
  /** A request is held for a service at zero instances: the primary tells the control plane's wake poll. */
  | { readonly t: 'wake'; readonly service: string };
