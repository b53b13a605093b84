/**
 * Whether a push-event delivery comes from the forge that knows the source's secret: GitHub's
 * `X-Hub-Signature-256: sha256=HMAC`, Gitea's `X-Gitea-Signature: HMAC` (HMAC-SHA256 of the raw
 * body, hex) or GitLab's `X-Gitlab-Token: SECRET`. Compared in constant time. Pure.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type HookKind = 'github' | 'gitea' | 'gitlab';

function header(headers: HookHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Which forge's proof the delivery carries; Gitea also sends GitHub's header, so its own wins. */
export function hookKind(headers: HookHeaders): HookKind | null {
  if (header(headers, 'x-gitea-signature') !== undefined) return 'gitea';
  if (header(headers, 'x-hub-signature-256') !== undefined) return 'github';
  if (header(headers, 'x-gitlab-token') !== undefined) return 'gitlab';
  return null;
}

export function verifyHook(headers: HookHeaders, body: Buffer, secret: string): boolean {
  const kind = hookKind(headers);
  if (kind === null || secret === '') return false;
  const hmac = (): string => createHmac('sha256', secret).update(body).digest('hex');
  switch (kind) {
    case 'gitea':
      return sameText(header(headers, 'x-gitea-signature') ?? '', hmac());
    case 'github':
      return sameText(header(headers, 'x-hub-signature-256') ?? '', `sha256=${hmac()}`);
    case 'gitlab':
      return sameText(header(headers, 'x-gitlab-token') ?? '', secret);
  }
}

/** Equal, in a time that tells nothing of where they differ nor of the expected length. */
function sameText(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The branch a push event names (`ref: refs/heads/NAME`), or null (a ping, a tag, not JSON). */
export function pushedBranch(body: Buffer): string | null {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const ref = typeof parsed === 'object' && parsed !== null ? (parsed as { ref?: unknown }).ref : undefined;
    return typeof ref === 'string' && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  } catch {
    return null;
  }
}
