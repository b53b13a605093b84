/**
 * `POST /api/v1/hooks/git`: a push event from GitHub, GitLab or Gitea syncs, at once, every
 * source whose secret signs it and whose branch it names. Rate-limited per client before anything
 * else, so a flood costs no HMAC and no git.
 */
import { SkiffError } from '../core/errors.js';
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
}

export interface HookReceiverDeps {
  readonly follower: SourceFollower;
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
    const kind = hookKind(delivery.headers);
    const signedFor = this.deps.follower.following().filter((sync) => {
      const name = sync.source()?.webhookSecretEnv;
      const secret = name === undefined ? undefined : this.deps.secret(name);
      return secret !== undefined && verifyHook(delivery.headers, delivery.body, secret);
    });
    if (signedFor.length === 0) {
      throw new SkiffError(
        'SKIFF_WEBHOOK_SIGNATURE_INVALID',
        kind === null
          ? 'the delivery has no X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token header'
          : `the ${kind} signature matches the secret of no source`,
        { hint: "set the webhook's secret to the value of the source's `webhookSecretEnv` variable, with content type application/json" },
      );
    }
    const branch = pushedBranch(delivery.body);
    const syncing: string[] = [];
    const ignored: string[] = [];
    for (const sync of signedFor) {
      if (branch !== null && branch !== sync.source()?.branch) {
        this.deps.otherBranch?.(sync.environment, branch);
        ignored.push(sync.environment);
        continue;
      }
      this.deps.follower.trigger(sync.environment);
      syncing.push(sync.environment);
    }
    return { syncing, ignored };
  }
}
