/**
 * kube-proxy's part a test needs (docker mode): each NodePort or LoadBalancer Service's node port
 * listens on 127.0.0.1 (the node's address) and forwards each TCP connection to the next ready
 * endpoint of the Service's EndpointSlices, round robin; a connection with no ready endpoint is
 * closed, as a real node refuses it. Only node ports: cluster IPs are not served.
 */
import net from 'node:net';
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const SERVICES = typeOfKind('Service');
const SLICES = typeOfKind('EndpointSlice');
const SERVICE_NAME = 'kubernetes.io/service-name';

type JsonObject = Record<string, unknown>;

interface NodePort {
  readonly namespace: string;
  readonly service: string;
  readonly portName: string;
  readonly server: net.Server;
  next: number;
}

export class NodePortProxy {
  private readonly ports = new Map<number, NodePort>();
  private readonly sockets = new Set<net.Socket>();
  /** The last node port that could not listen, for a test to inspect. */
  lastError: unknown;

  constructor(private readonly store: ObjectStore) {}

  reconcile(): void {
    const wanted = new Map<number, { namespace: string; service: string; portName: string }>();
    for (const service of this.store.list(SERVICES)) {
      const spec = (service.spec ?? {}) as JsonObject;
      if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') continue;
      for (const port of (spec.ports ?? []) as JsonObject[]) {
        if (typeof port.nodePort === 'number') wanted.set(port.nodePort, { namespace: service.metadata.namespace ?? 'default', service: service.metadata.name, portName: String(port.name ?? '') });
      }
    }
    for (const [port, open] of this.ports) {
      const want = wanted.get(port);
      if (!want || want.service !== open.service || want.namespace !== open.namespace) {
        open.server.close();
        this.ports.delete(port);
      }
    }
    for (const [port, want] of wanted) if (!this.ports.has(port)) this.listen(port, want);
  }

  close(): void {
    for (const open of this.ports.values()) open.server.close();
    for (const socket of this.sockets) socket.destroy();
    this.ports.clear();
  }

  private listen(port: number, target: { namespace: string; service: string; portName: string }): void {
    const open: NodePort = { ...target, next: 0, server: net.createServer((client) => this.forward(open, client)) };
    open.server.on('error', (error) => {
      this.lastError = error;
      this.ports.delete(port);
    });
    open.server.listen(port, '127.0.0.1');
    this.ports.set(port, open);
  }

  private forward(open: NodePort, client: net.Socket): void {
    this.track(client);
    const endpoints = this.readyEndpoints(open);
    const endpoint = endpoints[open.next++ % Math.max(1, endpoints.length)];
    if (!endpoint) {
      client.destroy();
      return;
    }
    const upstream = this.track(net.connect(endpoint.port, endpoint.host));
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket)).on('error', () => undefined);
    return socket;
  }

  private readyEndpoints(open: NodePort): { host: string; port: number }[] {
    const slices = this.store.list(SLICES, open.namespace).filter((slice: KubeObject) => slice.metadata.labels?.[SERVICE_NAME] === open.service);
    return slices.flatMap((slice) => {
      const ports = (slice.ports ?? []) as { name?: string; port?: number }[];
      const port = (ports.find((p) => p.name === open.portName) ?? ports[0])?.port;
      if (port === undefined) return [];
      const endpoints = (slice.endpoints ?? []) as { addresses: string[]; conditions?: { ready?: boolean } }[];
      return endpoints.filter((e) => e.conditions?.ready !== false && e.addresses[0]).map((e) => ({ host: e.addresses[0] as string, port }));
    });
  }
}
