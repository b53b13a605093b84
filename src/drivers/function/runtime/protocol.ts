/**
 * The messages between the function driver and a runtime over the runtime's IPC channel. A
 * pooled runtime waits for one `load`; it answers `ready` once it serves the handler on its port
 * (and then leaves the channel, so the instance outlives the control plane), or `failed` with the
 * reason and exits. A runtime never loads a second handler: one process, one function's code.
 */
export interface LoadMessage {
  readonly type: 'load';
  /** Absolute path of the handler module. */
  readonly handlerPath: string;
  /** The service's environment and secrets: both `env` of `fetch(request, env)` and process.env. */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly host: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly logPath: string;
  readonly logMaxBytes: number;
  readonly logKeep: number;
  /** Where the runtime writes why it ended itself (a handler that blocked the event loop). */
  readonly endedPath: string;
  /** The control plane's wake trace file (core/wake-trace.ts), when it traces. */
  readonly wakeTrace?: string;
}

/** Sent by a pooled runtime once Node's HTTP and web-stream code is loaded: it is warm. */
export interface WarmMessage {
  readonly type: 'warm';
}

export interface ReadyMessage {
  readonly type: 'ready';
}

export interface FailedMessage {
  readonly type: 'failed';
  readonly code: 'SKIFF_FUNCTION_LOAD_FAILED' | 'SKIFF_DRIVER_START_FAILED';
  readonly reason: string;
}

export type RuntimeReply = WarmMessage | ReadyMessage | FailedMessage;

export function isLoadMessage(value: unknown): value is LoadMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'load';
}

export function isRuntimeReply(value: unknown): value is RuntimeReply {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return type === 'warm' || type === 'ready' || type === 'failed';
}
