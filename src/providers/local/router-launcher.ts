/**
 * Starts the router as its own detached process, or adopts the one an earlier control plane
 * started, and keeps it running. The router outlives the control plane on purpose: it keeps
 * routing with its last table while the control plane is down. When the router's primary dies,
 * its workers serve on and start a successor primary themselves (router/successor.ts): the
 * watchdog adopts that successor, and starts a new router only when none of the router's
 * processes is left.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { SkiffError } from '../../core/errors.js';
import type { RouteTable } from '../../core/route-table.js';
import { sleep } from '../../core/clock.js';
import { awaitWakeRequests, drainBackends, fetchParallelReport, fetchRouteTable, fetchRouterMetrics, publishRouteTable, resetParallel, routerHealth } from '../../router/admin-client.js';
import type { DrainAddress, DrainResult } from '../../router/drain.js';
import type { ParallelReport } from '../../router/parallel/report.js';
import { isDeadState, processesWithArgument, readProcStatSync } from '../../core/proc.js';
import { awaitSuccessor } from '../../router/successor.js';

export interface RouterLaunchOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /**
   * More addresses the router serves on the same port, asked for at each start: the docker bridge
   * gateway, so containers reach it (`routerListenAddresses(drivers)`). Never an unspecified address.
   */
  readonly alsoListen?: () => Promise<readonly string[]>;
  /** TLS listeners (HTTPS, HTTP/2) as `IP:PORT`: the environment's `router.listen` entries with TLS. */
  readonly tlsListen?: readonly string[];
  readonly logger: Logger;
  /** Called once each time the router's primary died: it was taken over by a successor, or started again. */
  readonly onRestart: (reason: string) => void;
  /** The router's entry script; default: dist/main/router-process.js beside this module. */
  readonly routerScript?: string;
}

interface RouterIdentity {
  readonly pid: number;
  readonly startTime: number;
  readonly port: number;
  readonly host: string;
  readonly alsoListen?: readonly string[];
  readonly tlsListen?: readonly string[];
}

const defaultRouterScript = fileURLToPath(new URL('../../main/router-process.js', import.meta.url));
/** Longest wait for the successor of a dead primary while the router's workers still run. */
const successorTimeoutMs = 15_000;

function sameAddresses(a: readonly string[] = [], b: readonly string[] = []): boolean {
  return a.length === b.length && a.every((host, index) => host === b[index]);
}

export class RouterLauncher {
  private identity: RouterIdentity | null = null;
  private watching: NodeJS.Timeout | null = null;
  private lastTable: RouteTable | null = null;
  private closed = false;
  /** A replacement is under way: the watchdog must not start a second one. */
  private replacing = false;
  private alsoListen: readonly string[] = [];

  constructor(private readonly options: RouterLaunchOptions) {}

  get url(): string {
    // A router on every interface is reached on the loopback one from this machine.
    const host = this.options.host === '0.0.0.0' ? '127.0.0.1' : this.options.host === '::' ? '[::1]' : this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.options.port}`;
  }

  get pid(): number | null {
    return this.identity?.pid ?? null;
  }

  private get socketPath(): string {
    return path.join(this.options.dataDir, 'router.sock');
  }

  private get identityFile(): string {
    return path.join(this.options.dataDir, 'router.json');
  }

  /** Adopts a healthy router on the same port, or starts a new one. Returns whether it was adopted. */
  async ensure(): Promise<'adopted' | 'started'> {
    this.alsoListen = (await this.options.alsoListen?.()) ?? [];
    const previous = this.readIdentity();
    if (previous && processStartTime(previous.pid) === previous.startTime) {
      const health = await routerHealth(this.socketPath, 1000);
      if (
        health &&
        health.pid === previous.pid &&
        previous.port === this.options.port &&
        previous.host === this.options.host &&
        sameAddresses(previous.alsoListen, this.alsoListen) &&
        sameAddresses(previous.tlsListen, this.options.tlsListen)
      ) {
        this.identity = previous;
        this.startWatching();
        return 'adopted';
      }
      this.options.logger.info({ pid: previous.pid }, 'replacing the router left by an earlier run');
      await stopRouter(previous.pid, this.socketPath, 5000);
    }
    await this.spawnRouter();
    this.startWatching();
    return 'started';
  }

  /** The version of the table the router routes with, or null when it does not answer. */
  async tableVersion(): Promise<number | null> {
    return (await routerHealth(this.socketPath, 1000))?.version ?? null;
  }

  async publish(table: RouteTable): Promise<void> {
    this.lastTable = table;
    await publishRouteTable(this.socketPath, table, 2000);
  }

  /** Waits until the router has nothing in flight to the address. */
  drain(address: DrainAddress, timeoutMs: number): Promise<DrainResult> {
    return drainBackends(this.socketPath, [address], timeoutMs);
  }

  /** The routing table the router routes with now. */
  table(): Promise<RouteTable> {
    return fetchRouteTable(this.socketPath, 2000);
  }

  /** The long poll for services the router holds requests for while they have no instance. */
  wakeRequests(signal: AbortSignal): Promise<readonly string[]> {
    return awaitWakeRequests(this.socketPath, signal);
  }

  /** The router's metrics in Prometheus text. */
  metricsText(): Promise<string> {
    return fetchRouterMetrics(this.socketPath, 2000);
  }

  parallelReport(): Promise<ParallelReport> {
    return fetchParallelReport(this.socketPath, 5000);
  }

  resetParallel(route?: string): Promise<void> {
    return resetParallel(this.socketPath, route);
  }

  /** Stops watching and leaves the router running (the control plane dies; the data plane stays). */
  detach(): void {
    this.closed = true;
    if (this.watching) clearInterval(this.watching);
  }

  /** Stops the router, letting it drain for up to `graceMs` before SIGKILL. */
  async stop(graceMs = 10_000): Promise<void> {
    this.detach();
    if (!this.identity) return;
    await stopRouter(this.identity.pid, this.socketPath, graceMs);
    fs.rmSync(this.identityFile, { force: true });
    this.identity = null;
  }

  private async spawnRouter(): Promise<void> {
    const logPath = path.join(this.options.dataDir, 'logs', 'router.log');
    fs.mkdirSync(path.dirname(logPath), { recursive: true });
    const logFd = fs.openSync(logPath, 'a');
    const routerScript = this.options.routerScript ?? defaultRouterScript;
    const child = spawn(
      process.execPath,
      [
        routerScript,
        '--listen-host', this.options.host,
        '--port', String(this.options.port),
        ...this.alsoListen.flatMap((host) => ['--also-listen', host]),
        ...(this.options.tlsListen ?? []).flatMap((address) => ['--tls-listen', address]),
        '--admin-socket', this.socketPath,
        '--table-file', path.join(this.options.dataDir, 'router-table.json'),
      ],
      { detached: true, stdio: ['ignore', logFd, logFd] },
    );
    fs.closeSync(logFd);
    const pid = child.pid;
    if (pid === undefined) {
      throw new SkiffError('SKIFF_ROUTER_START_FAILED', `could not start the router (${routerScript})`);
    }
    let exitCode: number | null = null;
    child.once('exit', (code) => (exitCode = code ?? -1));
    child.unref();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exitCode !== null) break;
      const health = await routerHealth(this.socketPath, 500);
      if (health && health.pid === pid) {
        this.remember(pid);
        if (this.lastTable) await this.publish(this.lastTable);
        return;
      }
      await sleep(20);
    }
    if (exitCode === null) await stopRouter(pid, this.socketPath, 1000);
    throw new SkiffError(
      'SKIFF_ROUTER_START_FAILED',
      `the router did not start on ${this.options.host}:${this.options.port}`,
      { hint: `is the port in use? see ${logPath}; choose another with --router-port or SKIFF_ROUTER_PORT` },
    );
  }

  private startWatching(): void {
    this.closed = false;
    this.watching = setInterval(() => void this.check(), 1000);
    this.watching.unref();
  }

  private remember(pid: number): void {
    this.identity = {
      pid,
      startTime: processStartTime(pid) ?? 0,
      port: this.options.port,
      host: this.options.host,
      alsoListen: this.alsoListen,
      ...(this.options.tlsListen === undefined ? {} : { tlsListen: this.options.tlsListen }),
    };
    fs.writeFileSync(this.identityFile, JSON.stringify(this.identity));
  }

  private async check(): Promise<void> {
    const identity = this.identity;
    if (this.closed || !identity || this.replacing) return;
    if (processStartTime(identity.pid) === identity.startTime) return;
    this.replacing = true;
    try {
      await this.replace(identity.pid);
    } catch (error) {
      this.options.logger.error({ err: error }, 'restarting the router failed');
    } finally {
      this.replacing = false;
    }
  }

  /** After the primary `pid` died: adopts the successor its workers start, else starts a new router. */
  private async replace(pid: number): Promise<void> {
    // Orphaned workers (or their successor) still run while a process names the admin socket.
    const successor = await awaitSuccessor(
      this.socketPath,
      pid,
      successorTimeoutMs,
      () => this.closed || processesWithArgument(this.socketPath).length === 0,
    );
    if (this.closed) return;
    if (successor !== null) {
      this.remember(successor);
      this.options.onRestart(`the router's primary (pid ${pid}) exited; its workers kept serving and pid ${successor} took over`);
      if (this.lastTable) await this.publish(this.lastTable);
      return;
    }
    this.options.onRestart(`the router (pid ${pid}) exited`);
    this.alsoListen = (await this.options.alsoListen?.()) ?? this.alsoListen;
    await this.spawnRouter();
  }

  private readIdentity(): RouterIdentity | null {
    try {
      return JSON.parse(fs.readFileSync(this.identityFile, 'utf8')) as RouterIdentity;
    } catch {
      return null;
    }
  }
}

/**
 * SIGTERM to the primary (which drains and stops its workers), then SIGKILL to whatever of the
 * router is left after the grace: workers first, since a worker whose primary died alone starts a
 * successor. Its processes are found by the admin socket on their command line.
 */
async function stopRouter(primary: number, socketPath: string, graceMs: number): Promise<void> {
  const left = (): number[] => processesWithArgument(socketPath);
  if (processStartTime(primary) !== null) {
    try {
      process.kill(primary, 'SIGTERM');
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + graceMs;
  while (left().length > 0 && Date.now() < deadline) await sleep(20);
  for (let round = 0; round < 100 && left().length > 0; round++) {
    const pids = left();
    for (const pid of [...pids.filter((pid) => pid !== primary), ...pids.filter((pid) => pid === primary)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await sleep(20);
  }
}

/** The start time of a live process, or null when it is gone or a zombie. */
function processStartTime(pid: number): number | null {
  const stat = readProcStatSync(pid);
  return stat && !isDeadState(stat.state) ? stat.startTime : null;
}
