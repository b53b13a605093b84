/**
 * Pipelines end to end with the real `skiff up`: build → deploy dev → check → promote staging →
 * approval (surviving a control-plane restart) → promote production, and a failing check that
 * leaves the later environments untouched.
 */
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, echoServer, freePort, startPlatform, threeEnvironmentSpec, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

interface RunJson {
  id: number;
  state: string;
  artifact: string | null;
  reason: string | null;
  stages: { name: string; state: string; log: string[]; approvedBy: string | null; approvedAt: string | null }[];
}

interface ReleaseJson {
  version: string;
  artifact: string | null;
  current: boolean;
}

const smokeCheck = `const url = process.env.SKIFF_ROUTER_URL + '/echo/';
const response = await fetch(url);
const body = await response.text();
console.log('GET ' + url + ' -> ' + response.status + ' ' + body + ' in ' + process.env.SKIFF_ENVIRONMENT);
process.exit(response.status === 200 ? 0 : 1);
`;

const failingCheck = `console.error('integration suite: 1 of 3 failed for ' + process.env.SKIFF_SERVICE);
process.exit(3);
`;

function spec(stagingPort: number, productionPort: number): string {
  return threeEnvironmentSpec(
    { staging: stagingPort, production: productionPort },
    `pipelines:
  release:
    services: [echo]
    stages:
      - build
      - deploy: dev
      - check: { name: smoke, command: [node, checks/smoke.mjs], environment: dev, timeout: 20s }
      - promote: { from: dev, to: staging }
      - approval: { name: go-live, distinctFrom: starter }
      - promote: { from: staging, to: production }
  broken:
    stages:
      - build
      - deploy: dev
      - check: { name: integration, command: [node, checks/fail.mjs], environment: dev }
      - promote: { from: dev, to: staging }
      - promote: { from: staging, to: production }
`,
    '    stopGrace: 2s\n',
  );
}

/** Answers 500 to every request but its health check when built with a `broken` file beside it. */
const breakableServer = `import fs from 'node:fs';
import http from 'node:http';
const broken = fs.existsSync(new URL('./broken', import.meta.url));
http
  .createServer((req, res) => {
    res.writeHead(req.url === '/health' || !broken ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ broken, instance: process.env.SKIFF_INSTANCE_ID }));
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const canarySpec = `name: canary
services:
  app:
    path: svc
    start: [node, server.mjs]
    build: {}
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 2s
    strategy: { type: canary, steps: [{ weight: 50 }, { analysis: quick }] }
    routes: [{ path: /app, stripPrefix: true }]
analyses:
  quick:
    window: 2s
    minRequests: 20
    checks:
      - { metric: errorRate, max: 5% }
environments:
  dev: {}
pipelines:
  release:
    stages:
      - build
      - deploy: dev
      - check: { name: smoke, command: [node, -e, "process.exit(0)"], environment: dev }
`;

describe('pipelines', () => {
  it('builds once, checks, waits for approval across a restart, promotes the same artifact; a failing check stops promotion', async () => {
    const stagingPort = await freePort();
    const productionPort = await freePort();
    platform = await startPlatform({
      spec: spec(stagingPort, productionPort),
      files: {
        'svc/server.mjs': fs.readFileSync(echoServer, 'utf8'),
        'checks/smoke.mjs': smokeCheck,
        'checks/fail.mjs': failingCheck,
      },
    });
    const up = platform;
    const getJson = async <T>(path: string): Promise<T> => (await (await up.fetch(path)).json()) as T;
    const run = (id: number): Promise<RunJson> => getJson(`/api/v1/pipelines/runs/${id}`);
    const releases = (env: string): Promise<ReleaseJson[]> => getJson(`/api/v1/environments/${env}/services/echo/releases`);
    await waitForReady(platform, { echo: 1 });

    // Two pipelines cover echo: the CLI must be told which.
    const ambiguous = platform.cli(['pipeline', 'run', 'echo']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('SKIFF_PIPELINE_AMBIGUOUS');

    const started = platform.cli(['pipeline', 'run', 'echo', '--pipeline', 'release']);
    expect(started.code, started.stderr + started.stdout).toBe(0);
    expect(started.stdout).toContain('run 1: pipeline release for echo');
    expect(started.stdout).toMatch(/smoke\s+succeeded/);
    expect(started.stdout).toContain('skiff approve 1 go-live');

    const waiting = await run(1);
    expect(waiting.state).toBe('waiting');
    expect(waiting.stages.map((s) => [s.name, s.state])).toEqual([
      ['build', 'succeeded'],
      ['deploy-dev', 'succeeded'],
      ['smoke', 'succeeded'],
      ['promote-staging', 'succeeded'],
      ['go-live', 'waiting'],
      ['promote-production', 'pending'],
    ]);
    const digest = waiting.artifact;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The check ran against dev's router and its output is the stage's log.
    expect(waiting.stages[2]?.log.join('\n')).toMatch(/-> 200 \{.*"greeting":"dev".*\} in dev/);
    expect(await releases('production')).toEqual([]);

    // Approving a stage that does not wait fails cleanly and changes nothing.
    const early = platform.cli(['approve', '1', 'smoke']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('SKIFF_STAGE_NOT_WAITING');
    expect(await run(1)).toEqual(waiting);

    // The waiting run survives a control-plane crash, and the local admin token survives the restart.
    const token = platform.token;
    await platform.kill();
    await platform.restart();
    expect((await run(1)).state).toBe('waiting');
    expect(platform.token).toBe(token);

    // go-live wants another person than the one who started the run (the local admin) ...
    const self = platform.cli(['approve', '1', 'go-live']);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain(`go-live of run 1 must be approved by someone other than ${os.userInfo().username}, who started the run [SKIFF_FORBIDDEN]`);
    // ... who may deploy to production, where the approval lets the run go.
    const created = (name: string, ...args: string[]): string => {
      const result = up.cli(['token', 'create', name, ...args]);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout.trim();
    };
    const stagingOnly = created('sam', '--role', 'deployer', '--env', 'staging');
    const refused = platform.cli(['approve', '1', 'go-live'], { SKIFF_TOKEN: stagingOnly });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('lets the run deploy to production; sam is a deployer (staging) and may not deploy there');
    expect(await run(1)).toMatchObject({ state: 'waiting' });

    const approved = platform.cli(['approve', '1', 'go-live'], { SKIFF_TOKEN: created('bo', '--role', 'deployer', '--env', 'production') });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('approved go-live of run 1 as bo');
    const done = await waitFor('run 1 to finish', async () => {
      const current = await run(1);
      return current.state === 'succeeded' || current.state === 'failed' ? current : null;
    }, 60_000);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    expect(done.stages.find((s) => s.name === 'go-live')).toMatchObject({ state: 'succeeded', approvedBy: 'bo' });
    const audit = platform.cli(['audit', '--json']);
    const entries = JSON.parse(audit.stdout) as { actor: string; status: number; summary: string }[];
    expect(entries.filter((e) => e.summary === 'approve go-live of pipeline run 1').map((e) => [e.actor, e.status])).toEqual([
      ['bo', 200],
      ['sam', 403],
      [os.userInfo().username, 403],
    ]);

    // Build once, deploy many: every environment runs the digest the check passed, with its own config.
    for (const env of ['dev', 'staging', 'production']) {
      expect((await releases(env)).find((r) => r.current)?.artifact, env).toBe(digest);
    }
    const routers = { dev: platform.routerUrl, staging: `http://127.0.0.1:${stagingPort}`, production: `http://127.0.0.1:${productionPort}` };
    for (const [env, url] of Object.entries(routers)) {
      expect((await waitFor(`${env} answers`, () => answer(`${url}/echo/`)))?.greeting).toBe(env);
    }

    const status = platform.cli(['pipeline', 'status', '1']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/go-live\s+approval\s+succeeded/);
    expect(status.stdout).toContain('approved by bo');
    expect(status.stdout).toContain('check smoke passed');

    // A failing check fails the run: the later stages are skipped and staging/production keep their release.
    const stagingBefore = await releases('staging');
    const productionBefore = await releases('production');
    const broken = platform.cli(['pipeline', 'run', 'echo', '--pipeline', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('run 2 failed');
    expect(broken.stdout).toContain('integration suite: 1 of 3 failed for echo');
    const failed = await run(2);
    expect(failed.stages.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped', 'skipped']);
    expect(failed.reason).toContain('check integration exited with 3');
    expect(await releases('staging')).toEqual(stagingBefore);
    expect(await releases('production')).toEqual(productionBefore);
    expect((await answer(`${routers.staging}/echo/`))?.greeting).toBe('staging');

    const list = platform.cli(['pipeline', 'status']);
    expect(list.stdout).toMatch(/2\s+broken\s+echo\s+failed\s+integration \(failed\)/);
    expect(list.stdout).toMatch(/1\s+release\s+echo\s+succeeded/);

    // Progress is on the event stream's timeline.
    const events = await getJson<{ type: string; data: { run: number; stage: string; state: string } }[]>('/api/v1/events?type=pipeline.stage&limit=200');
    expect(events.some((e) => e.data.run === 1 && e.data.stage === 'go-live' && e.data.state === 'waiting')).toBe(true);
  }, 150_000);

  it('fails a deploy stage with the reason of the canary analysis that rolled its release back', async () => {
    platform = await startPlatform({ spec: canarySpec, files: { 'svc/server.mjs': breakableServer } });
    const up = platform;
    const getJson = async <T>(path: string): Promise<T> => (await (await up.fetch(path)).json()) as T;
    await waitForReady(platform, { app: 1 });
    // dev runs v1 from the source directory; the artifact built from now on answers 500.
    fs.writeFileSync(`${platform.specDir}/svc/broken`, '');
    const started = await platform.fetch('/api/v1/pipelines/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'app' }),
    });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: number };

    // Traffic for the analysis until the run ends, bounded: at most 20,000 requests or 60 s.
    const deadline = Date.now() + 60_000;
    let sent = 0;
    let run = await getJson<RunJson>(`/api/v1/pipelines/runs/${id}`);
    while (run.state === 'running' && Date.now() < deadline && sent < 20_000) {
      for (let i = 0; i < 20; i += 1, sent += 1) await (await fetch(`${up.routerUrl}/app/`)).text();
      run = await getJson<RunJson>(`/api/v1/pipelines/runs/${id}`);
    }
    expect(run.state, JSON.stringify(run)).toBe('failed');
    expect(run.stages.map((s) => s.state)).toEqual(['succeeded', 'failed', 'skipped']);
    const deployLog = run.stages[1]?.log ?? [];
    expect(deployLog[0]).toMatch(/^deployed sha256:[0-9a-f]{64} to dev as v2$/);
    expect(deployLog.at(-1)).toMatch(/^canary rollout of app v2 in dev aborted: (rolled back to v1: )?analysis "quick" failed: errorRate 100% .*above max 5%/);
    expect(run.reason).toContain('analysis "quick" failed: errorRate');

    // `skiff status` tells of the rollout that went back, and --json carries it.
    const status = platform.cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/app: rollout canary v1→v2 step 2\/3 weight 0% \(aborted\)/);
    const json = JSON.parse(platform.cli(['status', '--json']).stdout) as { services: { name: string; rollout: unknown }[] };
    expect(json.services.find((s) => s.name === 'app')?.rollout).toMatchObject({ strategy: 'canary', stable: 'v1', next: 'v2', phase: 'aborted' });
    // dev goes back to v1.
    await waitFor('dev back on v1', async () => {
      const releases = await getJson<ReleaseJson[]>('/api/v1/environments/dev/services/app/releases');
      return releases.find((r) => r.current)?.version === 'v1';
    });
  }, 120_000);

  // Found by the API fuzz: a run waiting for its release to be ready kept a stopped `skiff up`
  // alive, after it had printed "Stopped.", until the stage's deadline.
  it('a run waiting for a release that never gets ready does not keep a stopping server alive', async () => {
    platform = await startPlatform({
      spec: `name: never-ready
services:
  idle:
    path: .
    start: [node, -e, "setInterval(() => {}, 1000)"]
    build: {}
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
environments:
  dev: {}
pipelines:
  release:
    stages:
      - build
      - deploy: dev
`,
    });
    const started = await platform.fetch('/api/v1/pipelines/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'idle' }) });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as RunJson;
    await waitFor('the deploy stage to wait for readiness', async () => {
      const run = (await (await platform!.fetch(`/api/v1/pipelines/runs/${id}`)).json()) as RunJson;
      return run.stages[1]?.state === 'running';
    });
    const child = platform.process;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running 15 s after SIGTERM'), 15_000))]);
    expect(code, platform.output()).toBe(0);
  }, 60_000);
});
