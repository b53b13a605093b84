/**
 * For the e2e tests of pipelines started by commits: a service that answers the text of its
 * message.txt (which tree it was built from), its spec, and waits on the trigger and the runs.
 */
import type { Platform } from './platform.js';
import { waitFor } from './platform.js';

/** Answers the text of message.txt beside it. */
export const messageServer = `import fs from 'node:fs';
import http from 'node:http';
const message = fs.readFileSync(new URL('./message.txt', import.meta.url), 'utf8').trim();
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : message)).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

/** A process service in folder `name` running messageServer, built by a pipeline, routed at /NAME. */
export function messageServiceYaml(name: string): string {
  return `  ${name}:
    path: ${name}
    start: [node, server.mjs]
    build: {}
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
    routes: [{ path: /${name}, stripPrefix: true }]
`;
}

export interface CommitRunJson {
  id: number;
  service: string;
  state: string;
  artifact: string | null;
  reason: string | null;
  commit?: { sha: string; author: string; subject: string };
}

async function getJson<T>(up: Platform, apiPath: string): Promise<T> {
  return (await (await up.fetch(apiPath)).json()) as T;
}

export function triggerEvents(up: Platform): Promise<{ message: string; data: Record<string, unknown> }[]> {
  return getJson(up, '/api/v1/events?type=pipeline.trigger&limit=100');
}

/** Until the trigger has recorded the branch as it is (history starts nothing). */
export async function waitForWatching(up: Platform): Promise<void> {
  await waitFor('the trigger to watch the branch', async () => (await triggerEvents(up)).some((event) => event.message.includes('watches main')));
}

export function commitRuns(up: Platform): Promise<CommitRunJson[]> {
  return getJson(up, '/api/v1/pipelines/runs');
}

/** Until the run of the commit has finished; with `succeed`, a failed run throws with its reason. */
export function commitRunDone(up: Platform, sha: string, options: { succeed: boolean; timeoutMs?: number }): Promise<CommitRunJson> {
  return waitFor(`the run of ${sha.slice(0, 7)} to ${options.succeed ? 'succeed' : 'finish'}`, async () => {
    const run = (await commitRuns(up)).find((candidate) => candidate.commit?.sha === sha);
    if (options.succeed && run?.state === 'failed') throw new Error(`run ${run.id} failed: ${run.reason}`);
    return run?.state === 'succeeded' || run?.state === 'failed' ? run : undefined;
  }, options.timeoutMs ?? 90_000);
}
