/** One probe attempt (httpGet or tcpSocket) against a pod's address, as the kubelet makes it. */
import http from 'node:http';
import net from 'node:net';

type JsonObject = Record<string, unknown>;

function portOf(value: unknown, container: JsonObject): number {
  if (typeof value === 'number') return value;
  const named = ((container.ports ?? []) as JsonObject[]).find((p) => p.name === value);
  return Number(named?.containerPort ?? value);
}

/** Whether the probe passes: an HTTP status 200-399, or a TCP connection. A probe without a handler passes. */
export function probeOnce(probe: JsonObject, container: JsonObject, host: string): Promise<boolean> {
  const timeoutMs = Number(probe.timeoutSeconds ?? 1) * 1000;
  const httpGet = probe.httpGet as JsonObject | undefined;
  const tcp = probe.tcpSocket as JsonObject | undefined;
  if (httpGet) {
    return new Promise((resolve) => {
      const req = http.get({ host, port: portOf(httpGet.port, container), path: String(httpGet.path ?? '/'), timeout: timeoutMs }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }
  if (tcp) {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port: portOf(tcp.port, container), timeout: timeoutMs });
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('timeout', () => socket.destroy());
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(false));
    });
  }
  return Promise.resolve(true);
}
