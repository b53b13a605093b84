/**
 * Ends a runtime whose handler blocks the event loop (a synchronous endless loop): the request's
 * own timeout cannot fire then, and nothing else in the process runs. A worker thread, started in
 * the warm pool so a placement does not pay for it, watches a heartbeat the main thread writes
 * into shared memory; once armed with the function's timeout, a heartbeat older than the timeout
 * plus a second makes it write the reason where the driver reads it, and kill the process.
 */
import { MessageChannel, Worker } from 'node:worker_threads';

export interface WatchdogArming {
  readonly timeoutMs: number;
  /** The instance log, for a line saying why the runtime ended. */
  readonly logPath: string;
  /** Where the driver reads the reason once the runtime has ended. */
  readonly endedPath: string;
}

const heartbeatMs = 100;
/** Past the timeout: a busy but live handler gets this long to yield before it is judged stuck. */
const graceMs = 1000;

// CommonJS, as eval workers are. Slots: [0] last heartbeat (ms since epoch), [1] limit (0: unarmed).
const watchdogSource = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
const slots = new BigInt64Array(workerData.slots);
let arming = null;
setInterval(() => {
  const message = receiveMessageOnPort(workerData.port);
  if (message) arming = message.message;
  const limit = Number(Atomics.load(slots, 1));
  if (limit === 0 || arming === null) return;
  const stalled = Date.now() - Number(Atomics.load(slots, 0));
  if (stalled < limit) return;
  const reason = 'blocked its event loop for ' + stalled + ' ms, past the function\\'s timeout of ' + arming.timeoutMs + ' ms: the runtime was ended';
  try { fs.appendFileSync(arming.logPath, '[skiff-function] ' + new Date().toISOString() + ' ' + reason + '\\n'); } catch {}
  try { fs.writeFileSync(arming.endedPath, reason); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, ${heartbeatMs});
`;

export interface EventLoopWatchdog {
  arm(arming: WatchdogArming): void;
}

export function startEventLoopWatchdog(): EventLoopWatchdog {
  const slots = new BigInt64Array(new SharedArrayBuffer(16));
  const beat = (): void => {
    Atomics.store(slots, 0, BigInt(Date.now()));
  };
  beat();
  setInterval(beat, heartbeatMs).unref();
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(watchdogSource, { eval: true, workerData: { slots: slots.buffer, port: port2 }, transferList: [port2] });
  worker.unref();
  port1.unref();
  return {
    arm(arming) {
      port1.postMessage(arming);
      beat();
      Atomics.store(slots, 1, BigInt(arming.timeoutMs + graceMs));
    },
  };
}
