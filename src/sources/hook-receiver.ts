/**
 * `POST /api/v1/hooks/git`: a push event from GitHub, GitLab or Gitea syncs, at once, every
 * source whose secret signs it and whose branch it names, and fetches at once the branch of every
 * pipeline started by commits whose secret signs it and whose repository and branch it names.
 * Rate-limited per client before anything else, so a flood costs no HMAC and no git.
 */
import { SkiffError } from '../core/errors.js';
import type { GitTriggerSpec } from '../spec/schema.js';
import { pushNamesRepository, pushedRepositories } from './push-repository.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SourceFollower } from './source-follower.js';
import { hookKind, pushedBranch, verifyHook } from './webhook-signature.js';
import type { HookHeaders } from './webhook-signature.js';

export interface HookDelivery {
  readonly headers: HookHeaders;
  readonly body: Buffer;
  readonly address: string;
}

export interface HookResult {
  /** The environments whose sync started. */
  readonly syncing: readonly string[];
  /** Signed for, but another branch was pushed (its previews, if any, are looked at). */
  readonly ignored: readonly string[];
  /** The pipelines whose branch is being fetched, to start the runs of the pushed commits. */
  readonly pipelines: readonly string[];
  /** Pipelines signed for, but another repository or branch was pushed. */
  readonly ignoredPipelines: readonly string[];
}

/** The pipelines started by commits, as the webhook reaches them. */
export interface HookPipelines {
  watching(): readonly { readonly pipeline: string; readonly trigger: GitTriggerSpec }[];
  /** Fetches the pipeline's branch now and starts the runs of its new commits; returns at once. */
  trigger(pipeline: string): void;
}

export interface HookReceiverDeps {
  readonly follower: SourceFollower;
  readonly pipelines: HookPipelines;
  /** The value of a `webhookSecretEnv` variable, from the server's config. */
  readonly secret: (name: string) => string | undefined;
  readonly limiter: RateLimiter;
  /** A signed push of another branch than the source's (one with a preview, or a new one that may get one). */
  readonly otherBranch?: (environment: string, branch: string) => void;
}

export class HookReceiver {
  constructor(private readonly deps: HookReceiverDeps) {}

  receive(delivery: HookDelivery): HookResult {
    if (!this.deps.limiter.take(delivery.address)) {
      throw new SkiffError('SKIFF_WEBHOOK_RATE_LIMITED', `too many webhook deliveries from ${delivery.address}`, {
        hint: 'the forge retries a refused delivery; deliveries are limited per client address',
      });
    }
    const signs = (name: string | undefined): boolean => {
      const secret = name === undefined ? undefined : this.deps.secret(name);
      return secret !== undefined && verifyHook(delivery.headers, delivery.body, secret);
    };
    const sources = this.deps.follower.following().filter((sync) => signs(sync.source()?.webhookSecretEnv));
    const pipelines = this.deps.pipelines.watching().filter(({ trigger }) => signs(trigger.webhookSecretEnv));
    if (sources.length === 0 && pipelines.length === 0) {
      const kind = hookKind(delivery.headers);
      throw new SkiffError(
        'SKIFF_WEBHOOK_SIGNATURE_INVALID',
        kind === null
          ? 'the delivery has no X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token header'
          : `the ${kind} signature matches the secret of no source and no pipeline`,
        { hint: "set the webhook's secret to the value of the source's (or the pipeline trigger's) `webhookSecretEnv` variable, with content type application/json" },
      );
    }
    const branch = pushedBranch(delivery.body);
    const repositories = pushedRepositories(delivery.body);
    const result = { syncing: [] as string[], ignored: [] as string[], pipelines: [] as string[], ignoredPipelines: [] as string[] };
    for (const sync of sources) {
      if (branch !== null && branch !== sync.source()?.branch) {
        this.deps.otherBranch?.(sync.environment, branch);
        result.ignored.push(sync.environment);
        continue;
      }
      this.deps.follower.trigger(sync.environment);
      result.syncing.push(sync.environment);
    }
    for (const { pipeline, trigger } of pipelines) {
      if ((branch !== null && branch !== trigger.branch) || !pushNamesRepository(repositories, trigger.repo)) {
        result.ignoredPipelines.push(pipeline);
        continue;
      }
      this.deps.pipelines.trigger(pipeline);
      result.pipelines.push(pipeline);
    }
    return result;
  }
}
