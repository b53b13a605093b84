/**
 * The token format and its check. A token is `skiff_<id>_<secret>`: the id finds the stored row,
 * only a SHA-256 hash of the secret is stored, and hashes are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const tokenPattern = /^skiff_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface TokenParts {
  readonly id: string;
  readonly secret: string;
}

/** A new random token: a 48-bit id and a 256-bit secret. */
export function generateToken(): TokenParts & { readonly token: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `skiff_${id}_${secret}` };
}

/** null when the text is not a token of this format. */
export function parseToken(token: string): TokenParts | null {
  const match = tokenPattern.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

/** Hex SHA-256 of the secret: what is stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Whether the secret hashes to the stored hex hash. Both sides are 32-byte digests, so
 * `timingSafeEqual` always compares equal lengths; a malformed stored hash never matches.
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(expected, actual);
}
