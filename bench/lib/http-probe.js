// Fast HTTP polling for the benchmarks: short timeouts, the answering pid from the hello fixture.
import { Agent, request } from 'undici';

export function createProbe({ timeoutMs = 250 } = {}) {
  const agent = new Agent({ connect: { timeout: timeoutMs }, keepAliveTimeout: 10_000, connections: 4 });
  return {
    /** `{ status, pid }` of one GET, or undefined when it failed before an answer. */
    async get(url) {
      try {
        const { statusCode, body } = await request(url, {
          dispatcher: agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await body.text();
        let pid;
        try {
          pid = JSON.parse(text).pid;
        } catch {
          pid = undefined;
        }
        return { status: statusCode, pid };
      } catch {
        return undefined;
      }
    },
    /**
     * Polls every `everyMs` until the url answers 200 from a pid other than `notPid`; resolves
     * with the time it answered (performance.now()) and the pid.
     */
    async until200(url, { notPid, everyMs = 2, timeoutMs: limitMs = 30_000 }) {
      const deadline = performance.now() + limitMs;
      for (;;) {
        const answer = await this.get(url);
        if (answer && answer.status === 200 && answer.pid !== undefined && answer.pid !== notPid) {
          return { at: performance.now(), pid: answer.pid };
        }
        if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${limitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    },
    close() {
      return agent.close();
    },
  };
}
