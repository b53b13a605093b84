/** Content digests: `sha256:<64 hex>`, computed by streaming so big archives never sit in memory. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type Digest = `sha256:${string}`;

const fullDigest = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): value is Digest {
  return fullDigest.test(value);
}

export function digestOfHex(hex: string): Digest {
  return `sha256:${hex}`;
}

/** The 64 hex characters of a digest. */
export function hexOf(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function digestOfBytes(bytes: Uint8Array): Digest {
  return digestOfHex(createHash('sha256').update(bytes).digest('hex'));
}

export async function digestOfFile(file: string): Promise<{ readonly digest: Digest; readonly size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { digest: digestOfHex(hash.digest('hex')), size };
}
