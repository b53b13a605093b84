/**
 * Scenario 3: kill -9 the control plane while an operation is under way (apply, deploy with each
 * strategy, build, pipeline run, secret set, restore), start it again, and judge: the operation
 * completed or did not happen (never half), a rollout resumed or rolled back, and no instance
 * process runs outside status.
 */
import fs from 'node:fs';
import path from 'node:path';
import { echoSpec, waitFor } from '../e2e/platform.js';
import type { Platform } from '../e2e/platform.js';
import type { ChaosLine } from './form.js';
import { loadPath, underLoad } from './kill-under-load.js';
import type { SavedState } from './state.js';
import { savedState } from './state.js';

export interface MidOperation {
  readonly name: string;
  /** What to run before (not killed): e.g. an apply for a restore to undo. */
  readonly before?: (platform: Platform) => Promise<void>;
  readonly args: (platform: Platform) => readonly string[];
  /** The moment to kill at; by default, once an instance the operation started shows in status. */
  readonly killWhen?: (platform: Platform) => boolean;
  /** After the restart and settling: what is half done (empty when it completed or did not happen). */
  readonly judge: (platform: Platform, before: SavedState, after: SavedState) => Promise<string[]>;
}

export const midOperationSpec = (greeting = 'hello'): string =>
  echoSpec({
    instances: 2,
    greeting,
    extra: `pipelines:
  release:
    stages:
      - build
      - deploy: dev
`,
  });

async function greetings(platform: Platform, samples = 20): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < samples; i += 1) {
    const response = await fetch(`${platform.routerUrl}${loadPath}`);
    seen.add(response.ok ? ((await response.json()) as { greeting: string }).greeting : `HTTP ${response.status}`);
  }
  return seen;
}

/**
 * Every answer through the router comes from an instance of the release status names. (Instances
 * of another release may run beside it: blue-green keeps the old one for an undo.)
 */
async function servingRelease(platform: Platform, samples = 20): Promise<string[]> {
  const status = await platform.status();
  const named = (status.services.find((s) => s.name === 'echo') as { release?: string } | undefined)?.release ?? '?';
  const releaseOf = new Map(status.instances.map((i) => [i.id, i.release]));
  const answered = new Set<string>();
  for (let i = 0; i < samples; i += 1) {
    const response = await fetch(`${platform.routerUrl}${loadPath}`);
    answered.add(response.ok ? (releaseOf.get(((await response.json()) as { instance: string }).instance) ?? 'an instance outside status') : `HTTP ${response.status}`);
  }
  return answered.size === 1 && answered.has(named) ? [] : [`answers from ${[...answered].join(', ')}, status names ${named}`];
}

/** The greeting the router answers with is one, and the one the latest revision asks for. */
function greetingJudge(changed: (before: SavedState, after: SavedState) => boolean, oldGreeting: string, newGreeting: string) {
  return async (platform: Platform, before: SavedState, after: SavedState): Promise<string[]> => {
    const expected = changed(before, after) ? newGreeting : oldGreeting;
    const seen = await greetings(platform);
    const half = seen.size === 1 && seen.has(expected) ? [] : [`answers ${[...seen].join(', ')}; expected only ${expected}`];
    return [...half, ...(await servingRelease(platform))];
  };
}

const revisionAdded = (before: SavedState, after: SavedState): boolean => after.revisions.length > before.revisions.length;

function writeSpec(platform: Platform, greeting: string): void {
  fs.writeFileSync(path.join(platform.specDir, 'skiff.yaml'), midOperationSpec(greeting));
}

/** One rollout judge for deploys: a new release either runs everywhere or was rolled back from everywhere. */
async function deployJudge(platform: Platform, before: SavedState, after: SavedState): Promise<string[]> {
  const added = after.releases.filter((r) => !before.releases.includes(r));
  return [...(added.length > 1 ? [`${added.length} releases made by one deploy`] : []), ...(await servingRelease(platform))];
}

const deploy = (strategy: string): MidOperation => ({
  name: `deploy (${strategy})`,
  before: async (platform) => {
    // A new artifact for each deploy: the same one again would be no release at all.
    fs.writeFileSync(path.join(platform.specDir, 'deployed-with.txt'), strategy);
    const built = platform.cli(['build', 'echo']);
    if (built.code !== 0) throw new Error(`build before deploy: ${built.stderr}`);
  },
  args: () => ['deploy', 'echo', 'latest', 'dev', '--strategy', strategy, '--detach'],
  judge: deployJudge,
});

export const midOperations: Record<string, MidOperation> = {
  apply: {
    name: 'apply (a config change that rolls out)',
    before: async (platform) => writeSpec(platform, 'applied'),
    args: () => ['apply', 'skiff.yaml'],
    judge: greetingJudge(revisionAdded, 'hello', 'applied'),
  },
  'deploy rolling': deploy('rolling'),
  'deploy blue-green': deploy('blue-green'),
  'deploy canary': deploy('canary'),
  build: {
    name: 'build',
    args: () => ['build', 'echo'],
    killWhen: (platform) => fs.existsSync(path.join(platform.dataDir, 'builds')) && fs.readdirSync(path.join(platform.dataDir, 'builds')).length > 0,
    judge: async (platform, before, after) => {
      const added = after.artifacts.filter((a) => !before.artifacts.includes(a));
      const half: string[] = [];
      // A listed artifact must be whole: deploying it verifies its digest.
      if (added.length > 0) {
        const deployed = platform.cli(['deploy', 'echo', 'latest', 'dev']);
        if (deployed.code !== 0) half.push(`the new artifact does not deploy: ${deployed.stderr.trim()}`);
      }
      const again = platform.cli(['build', 'echo']);
      if (again.code !== 0) half.push(`building again fails: ${again.stderr.trim()}`);
      return half;
    },
  },
  'pipeline run': {
    name: 'pipeline run (build, deploy)',
    args: () => ['pipeline', 'run', 'echo'],
    killWhen: () => true,
    judge: async (platform) => {
      const runs = await waitFor('every pipeline run to end', async () => {
        const list = (await (await platform.fetch('/api/v1/pipelines/runs')).json()) as { id: number; state: string }[];
        return list.every((run) => run.state === 'succeeded' || run.state === 'failed') ? list : null;
      }, 60_000).catch(() => null);
      return [...(runs ? [] : ['a pipeline run still running 60 s after the restart']), ...(await servingRelease(platform))];
    },
  },
  'secret set': {
    name: 'secret set (a new release with it)',
    args: () => ['secret', 'set', 'echo', 'TOKEN=s3cret', '--env', 'dev'],
    judge: async (platform, before, after) => {
      const stored = after.secrets.some((s) => s.startsWith('TOKEN@'));
      const response = await fetch(`${platform.routerUrl}${loadPath}env-hash?name=TOKEN`);
      const hash = ((await response.json()) as { hash: string | null }).hash;
      const half = stored === (hash !== null) ? [] : [`secret stored: ${stored}, running instances have it: ${hash !== null}`];
      return [...half, ...(await servingRelease(platform))];
    },
  },
  restore: {
    name: 'restore (to the first revision)',
    before: async (platform) => {
      writeSpec(platform, 'changed');
      const applied = platform.cli(['apply', 'skiff.yaml']);
      if (applied.code !== 0) throw new Error(`apply before restore: ${applied.stderr}`);
      await waitFor('the change to roll out', async () => (await greetings(platform, 6)).has('changed') && (await greetings(platform, 6)).size === 1, 30_000);
    },
    args: () => ['restore', 'dev', '--to', '1'],
    judge: async (platform, before, after) => greetingJudge(revisionAdded, 'changed', 'hello')(platform, before, after),
  },
};

/**
 * Finishes what a restarted control plane resumed (the rollout still active after the restart is
 * the resume): a person promotes it. That ends a pause, a blue-green's wait to switch or its kept
 * old release, and a canary's remaining steps (the default ones analyse 30 s windows twice, longer
 * than this suite may wait on a loaded machine). Each rollout phase is promoted once.
 */
async function finishRollout(platform: Platform): Promise<void> {
  const promoted = new Set<string>();
  await waitFor('the rollout to end', async () => {
    const response = await platform.fetch('/api/v1/environments/dev/services/echo/rollout');
    if (response.status !== 200) return true;
    const rollout = (await response.json()) as { id: number; active: boolean; phase: string; strategy: string };
    if (!rollout.active) return true;
    const key = `${rollout.id}:${rollout.phase}`;
    const promotable = rollout.phase === 'paused' || rollout.strategy === 'canary' || (rollout.phase === 'promoted' && rollout.strategy === 'blue-green');
    if (promotable && !promoted.has(key)) {
      promoted.add(key);
      platform.cli(['rollout', 'promote', 'echo', 'dev']);
    }
    return false;
  }, 90_000);
}

/** Runs the operation, kills the control plane at its kill point, starts it again and judges. */
export async function killMidOperation(platform: Platform, operation: MidOperation): Promise<ChaosLine> {
  await operation.before?.(platform);
  await finishRollout(platform);
  const before = await savedState(platform, 'echo');
  const knownInstances = new Set((await platform.status()).instances.map((i) => i.id));
  const line = await underLoad(platform, { scenario: `kill -9 the control plane during ${operation.name}`, instances: 2, maxMs: 120_000 }, async () => {
    const running = platform.cliAsync([...operation.args(platform)]);
    let finished = false;
    void running.then(() => (finished = true));
    const startedInstance = async (): Promise<boolean> => (await platform.status()).instances.some((i) => !knownInstances.has(i.id));
    await waitFor(`the kill point of ${operation.name}`, async () => finished || (operation.killWhen ? operation.killWhen(platform) : await startedInstance()), 60_000);
    const note = finished ? `the operation ended before the kill: ${(await running).stdout.trim().split('\n').pop()}` : undefined;
    await platform.kill();
    await running;
    await platform.restart();
    await finishRollout(platform);
    return note;
  });
  const after = await savedState(platform, 'echo');
  const half = await operation.judge(platform, before, after);
  return { ...line, damage: [...line.damage, ...half.map((h) => `half: ${h}`)] };
}
