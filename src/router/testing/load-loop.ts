/**
 * A bounded load of idempotent GETs for crash tests: a few concurrent clients on keep-alive
 * connections, counting answers, failures and the longest time without any answer. Bounded in
 * time and in count; stops early when told to. Not part of the build.
 *
 * Like browsers and Go's http.Transport (RFC 9110 §9.2.2 allows it for idempotent methods), a
 * GET whose connection closed or was reset before any answer is sent once more, on a new
 * connection, and counted in `retried`: the requests in flight in a process killed with SIGKILL
 * die with its sockets, whatever the server does. A refused connection is not retried.
 */
import { Agent, request } from 'undici';

export interface LoadOptions {
  readonly concurrency: number;
  /** Stop after this many requests in all. */
  readonly maxRequests: number;
  /** Stop after this long. */
  readonly maxMs: number;
}

export interface LoadFigures {
  readonly requests: number;
  readonly answered: number;
  readonly failed: number;
  /** GETs sent again after their connection closed before an answer. */
  readonly retried: number;
  /** The first failures, as `status body` or the error's code and message. */
  readonly failures: readonly string[];
  /** The longest time between two answers (or from the start to the first). */
  readonly longestGapMs: number;
}

export interface LoadLoop {
  /** Answers (200) so far. */
  readonly answered: number;
  figures(): LoadFigures;
  /** Stops sending and resolves with the figures once every client returned. */
  stop(): Promise<LoadFigures>;
}

/** The figures in one line for the test output. */
export function formatFigures(figures: LoadFigures): string {
  const failures = figures.failures.length > 0 ? `; first failures: ${figures.failures.join(' | ')}` : '';
  return `${figures.requests} requests, ${figures.failed} failed, ${figures.retried} retried after a reset, longest gap without an answer ${figures.longestGapMs} ms${failures}`;
}

/** The connection closed or was reset under the request (not: refused, timed out, bad answer). */
function connectionLost(err: Error & { code?: string }): boolean {
  return err.code === 'UND_ERR_SOCKET' || err.code === 'ECONNRESET' || err.code === 'EPIPE';
}

export function startLoad(origin: string, options: LoadOptions): LoadLoop {
  const agent = new Agent({ connections: options.concurrency });
  const started = performance.now();
  const deadline = started + options.maxMs;
  let requests = 0;
  let answered = 0;
  let lastAnswer = started;
  let longestGapMs = 0;
  const failures: string[] = [];
  let failed = 0;
  let retried = 0;
  let stopping = false;

  const fail = (what: string): void => {
    failed++;
    if (failures.length < 10) failures.push(what);
  };

  const client = async (id: number): Promise<void> => {
    while (!stopping && requests < options.maxRequests && performance.now() < deadline) {
      const n = requests++;
      try {
        const url = `${origin}/load/${id}/${n}`;
        const res = await request(url, { dispatcher: agent, method: 'GET' }).catch((err: Error & { code?: string }) => {
          if (!connectionLost(err)) throw err;
          retried++;
          return request(url, { dispatcher: agent, method: 'GET' });
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) {
          fail(`${res.statusCode} ${text}`);
          continue;
        }
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - lastAnswer);
        lastAnswer = now;
        answered++;
      } catch (err) {
        const error = err as Error & { code?: string };
        fail(`${error.code ?? ''} ${error.message}`.trim());
      }
    }
  };

  const figures = (): LoadFigures => ({
    requests,
    answered,
    failed,
    retried,
    failures: [...failures],
    longestGapMs: Math.round(Math.max(longestGapMs, stopping ? 0 : performance.now() - lastAnswer)),
  });
  const done = Promise.all(Array.from({ length: options.concurrency }, (_, id) => client(id)));
  return {
    get answered() {
      return answered;
    },
    figures,
    async stop() {
      stopping = true;
      await done;
      const result = figures();
      await agent.destroy();
      return result;
    },
  };
}
