/**
 * HTTP(S) to one API server with a kubeconfig's trust and credentials: whole answers for ordinary
 * requests, the open response for watches and followed logs. Every failure leaves as a SkiffError.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { SkiffError } from '../../../core/errors.js';
import { errorFromStatus, statusOf, unreachableError, type RequestContext } from './kube-errors.js';
import type { KubeConnection } from './kubeconfig.js';

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/api/v1/namespaces/default/pods?limit=10`. */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  /** For error messages: the Kubernetes verb and target. */
  readonly context: Pick<RequestContext, 'verb' | 'resource' | 'namespace' | 'name'>;
  readonly signal?: AbortSignal;
  /** Longest wait for this answer, instead of the transport's request timeout (a long poll through pods/proxy). */
  readonly timeoutMs?: number;
}

export interface TransportOptions {
  /** Longest wait for a whole answer (not for an open stream's body); 30 s by default. */
  readonly requestTimeoutMs?: number;
  readonly userAgent?: string;
}

/** Methods whose request may be sent twice: reads, replacing writes, server-side apply, deletes. */
const repeatable: ReadonlySet<KubeRequest['method']> = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);

export class KubeTransport {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(
    readonly connection: KubeConnection,
    private readonly options: TransportOptions = {},
  ) {
    this.secure = connection.server.startsWith('https:');
    const credentials = connection.credentials;
    this.agent = this.secure
      ? new https.Agent({
          keepAlive: true,
          rejectUnauthorized: !connection.insecureSkipTlsVerify,
          ...(connection.certificateAuthority !== undefined ? { ca: connection.certificateAuthority } : {}),
          ...(connection.tlsServerName !== undefined ? { servername: connection.tlsServerName } : {}),
          ...(credentials.kind === 'client-certificate' ? { cert: credentials.certificate, key: credentials.key } : {}),
        })
      : new http.Agent({ keepAlive: true });
  }

  /** Sends the request and reads the whole 2xx answer; any other answer becomes its SkiffError. */
  async send(request: KubeRequest): Promise<{ status: number; body: string }> {
    // A timer of its own rather than AbortSignal.timeout, which would outlive the request.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new RequestTimeout()), this.timeoutOf(request));
    const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
    try {
      const response = await this.open({ ...request, signal });
      return { status: response.statusCode ?? 0, body: await readAll(response, signal, this.contextOf(request)) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends the request and hands over the open 2xx response (a watch, a followed log). The answer's
   * headers must arrive within the request timeout; the body may then stream for as long as it lasts.
   */
  async open(request: KubeRequest, retried = false): Promise<IncomingMessage> {
    const context = this.contextOf(request);
    const url = new URL(request.path, this.connection.server);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.options.userAgent ?? 'skiff' };
    const authorization = this.authorization();
    if (authorization !== undefined) headers.authorization = authorization;
    if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(request.body));
    }
    const send = this.secure ? https.request : http.request;
    const headersTimeoutMs = this.timeoutOf(request);
    return new Promise((resolve, reject) => {
      const req = send(url, { method: request.method, agent: this.agent, headers, ...(request.signal ? { signal: request.signal } : {}) }, (response) => {
        clearTimeout(headersTimer);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(response);
          return;
        }
        readAll(response, request.signal, context).then(
          (body) => reject(errorFromStatus(status, statusOf(body), context)),
          reject,
        );
      });
      const headersTimer = setTimeout(() => req.destroy(new RequestTimeout()), headersTimeoutMs);
      req.on('error', (error: Error & { code?: string }) => {
        clearTimeout(headersTimer);
        // A kept-alive connection the server closed as this request went out (its idle timeout):
        // nothing was answered, so a request that may be sent twice goes again on a new one.
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retried && repeatable.has(request.method) && !request.signal?.aborted) {
          resolve(this.open(request, true));
          return;
        }
        if (error instanceof RequestTimeout) reject(timeoutError(error, context));
        else reject(request.signal?.aborted ? abortError(request.signal, context) : unreachableError(error, context));
      });
      req.end(request.body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private timeoutOf(request: KubeRequest): number {
    return request.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000;
  }

  contextOf(request: Pick<KubeRequest, 'context'>): RequestContext {
    const { server, kubeconfigPath, contextName, userName } = this.connection;
    return { ...request.context, server, kubeconfigPath, contextName, userName };
  }

  private authorization(): string | undefined {
    const credentials = this.connection.credentials;
    switch (credentials.kind) {
      case 'token':
        return `Bearer ${credentials.token}`;
      case 'token-file':
        return `Bearer ${readTokenFile(credentials.path, this.connection)}`;
      case 'client-certificate':
      case 'none':
        return undefined;
    }
  }
}

function readTokenFile(file: string, connection: KubeConnection): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new SkiffError('SKIFF_KUBECONFIG_INVALID', `the token file ${file} of user "${connection.userName}" (${connection.kubeconfigPath}) cannot be read: ${(error as Error).message}`, {
      path: `users[${connection.userName}].user.tokenFile`,
      hint: 'fix the path, or put the token itself in user.token',
      cause: error,
    });
  }
}

class RequestTimeout extends Error {
  constructor() {
    super('the request timed out');
  }
}

/** The request was cancelled: by its caller (stop) or by the request timeout. */
function abortError(signal: AbortSignal, context: RequestContext): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof RequestTimeout) return timeoutError(reason, context);
  return reason instanceof Error ? reason : new Error('aborted');
}

function timeoutError(reason: RequestTimeout, context: RequestContext): SkiffError {
  return new SkiffError('SKIFF_KUBE_UNREACHABLE', `the Kubernetes API server ${context.server} did not answer ${context.verb} ${context.resource} in time`, {
    hint: `check that the cluster is healthy and that ${context.server} (context "${context.contextName}") is the right address`,
    cause: reason,
  });
}

async function readAll(response: IncomingMessage, signal: AbortSignal | undefined, context: RequestContext): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response) chunks.push(chunk as Buffer);
  } catch (error) {
    throw signal?.aborted ? abortError(signal, context) : unreachableError(error as Error, context);
  }
  return Buffer.concat(chunks).toString('utf8');
}
