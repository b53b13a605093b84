/** Probe I/O: one HTTP GET or one TCP connect against an instance's port. */
import http from 'node:http';
import net from 'node:net';

export interface ProbeTarget {
  readonly port: number;
  readonly http?: string | undefined;
  readonly timeoutMs: number;
}

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

const probeAgent = new http.Agent({ keepAlive: false });

export function runProbe(target: ProbeTarget): Promise<ProbeOutcome> {
  return target.http === undefined ? tcpProbe(target) : httpProbe(target, target.http);
}

function httpProbe(target: ProbeTarget, path: string): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port: target.port, path, agent: probeAgent, timeout: target.timeoutMs, headers: { 'user-agent': 'skiff-probe' } },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, detail: `GET ${path} answered ${status}` });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${target.timeoutMs}ms`)));
    request.on('error', (error) => resolve({ ok: false, detail: `GET ${path}: ${error.message}` }));
  });
}

function tcpProbe(target: ProbeTarget): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: target.port });
    const timer = setTimeout(() => finish(false, `TCP connect timed out after ${target.timeoutMs}ms`), target.timeoutMs);
    socket.once('connect', () => finish(true, 'TCP connect succeeded'));
    socket.once('error', (error) => finish(false, `TCP connect: ${error.message}`));
    function finish(ok: boolean, detail: string): void {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, detail });
    }
  });
}
