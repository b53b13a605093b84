/**
 * GitOps wired to the control plane: the sources module's follower applies commits through the
 * control plane's apply, and serves the API's SourcesPort (sync state, drift, the webhook).
 */
import type { SourcesPort } from '../api/sources-port.js';
import type { Clock } from '../core/clock.js';
import type { FlagService } from '../flags/flag-service.js';
import { HookReceiver, RateLimiter, SourceFollower, createExec } from '../sources/index.js';
import type { HookPipelines } from '../sources/index.js';
import type { StateStore } from '../store/state-store.js';
import type { SkiffControlPlane } from './skiff-control-plane.js';

export interface GitSourcesDeps {
  readonly controlPlane: SkiffControlPlane;
  readonly store: StateStore;
  /** The flags in force, for their drift from the commit (and its revert). */
  readonly flags: FlagService;
  readonly dataDir: string;
  /** PATH and HOME for git (the user's credentials and ssh keys). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly webhookSecrets: Readonly<Record<string, string>>;
  /** The pipelines started by commits: a push webhook fetches their branch at once too. */
  readonly pipelines: HookPipelines;
  readonly clock: Clock;
  readonly onError: (environment: string, error: unknown) => void;
  /** A signed webhook push of a branch other than a source's: for branch previews. */
  readonly otherBranch?: (environment: string, branch: string) => void;
}

/** Deliveries per client: a burst of 20, then one a second (a forge sends one per push). */
export const webhookRateLimit = { burst: 20, perSecond: 1 } as const;

export function createGitSources(deps: GitSourcesDeps): { readonly follower: SourceFollower; readonly port: SourcesPort } {
  const { controlPlane, store } = deps;
  const follower = new SourceFollower({
    target: {
      latest: () => store.latestRevision(),
      revision: (id) => store.revision(id),
      machineCheck: (spec, baseDir) => controlPlane.machineCheck(spec, baseDir),
      applySynced: (request) => controlPlane.applySynced(request),
      flags: (environment) => deps.flags.list(environment).map((flag) => ({ key: flag.key, flag: flag.flag, runtime: flag.source === 'runtime' })),
      resetFlag: (environment, key, actor) => void deps.flags.reset({ environment, key, actor }),
      emit: (event) => controlPlane.emit(event),
      getMeta: (key) => store.getMeta(key),
      setMeta: (key, value) => store.setMeta(key, value),
    },
    dataDir: deps.dataDir,
    exec: createExec(deps.baseEnv),
    clock: deps.clock,
    onError: deps.onError,
  });
  const receiver = new HookReceiver({
    follower,
    pipelines: deps.pipelines,
    secret: (name) => deps.webhookSecrets[name],
    limiter: new RateLimiter(webhookRateLimit, deps.clock),
    ...(deps.otherBranch ? { otherBranch: deps.otherBranch } : {}),
  });
  const port: SourcesPort = {
    status: (environment) => {
      controlPlane.state.assertEnvironment(environment);
      return follower.status(environment);
    },
    statusOrNull: (environment) => follower.following().find((sync) => sync.environment === environment)?.status() ?? null,
    statuses: () => follower.statuses(),
    sync: (environment, options) => {
      controlPlane.state.assertEnvironment(environment);
      return follower.syncNow(environment, options);
    },
    diff: (environment) => {
      controlPlane.state.assertEnvironment(environment);
      return follower.diff(environment);
    },
    hook: (delivery) => receiver.receive(delivery),
  };
  return { follower, port };
}
