/** AES-256-GCM for secrets at rest: a fresh 12-byte IV per value, the auth tag checked on decrypt. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SealedValue {
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly data: Buffer;
}

export interface SecretCipher {
  seal(plain: string, associated: string): SealedValue;
  open(sealed: SealedValue, associated: string): string;
}

export function createAesGcmCipher(key: Buffer): SecretCipher {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  return {
    seal(plain, associated) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The associated data binds a value to its place: a ciphertext copied to another secret fails to open.
      cipher.setAAD(Buffer.from(associated));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { iv, tag: cipher.getAuthTag(), data };
    },
    open(sealed, associated) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
      decipher.setAAD(Buffer.from(associated));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString('utf8');
    },
  };
}
