/** Messages between the router's primary process and its data-plane workers (node:cluster IPC). */
import type { RouteTable } from '../core/route-table.js';
import type { MetricsSnapshot } from './metrics.js';

export type PrimaryMessage =
  | {
      readonly t: 'start';
      readonly host: string;
      readonly port: number;
      readonly headersTimeoutMs: number;
      readonly table: RouteTable;
      /** Absent: on. */
      readonly fastPath?: boolean;
    }
  /** The table as JSON text: serialized once for every worker instead of once per worker. */
  | { readonly t: 'table'; readonly seq: number; readonly json: string }
  | { readonly t: 'metrics'; readonly seq: number }
  | { readonly t: 'drain'; readonly timeoutMs: number };

export type WorkerMessage =
  /** Sent once the worker listens for messages: cluster's 'online' comes before the module has run. */
  | { readonly t: 'ready' }
  | { readonly t: 'listening'; readonly port: number }
  | { readonly t: 'start-failed'; readonly message: string }
  | { readonly t: 'applied'; readonly seq: number }
  | { readonly t: 'metrics'; readonly seq: number; readonly snapshot: MetricsSnapshot };
