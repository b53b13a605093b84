/**
 * The key that encrypts secrets at rest: SKIFF_SECRET_KEY (32 bytes, hex or base64), or a key file
 * in the data directory, created on first use readable by its owner only.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createFileDurablySync } from '../core/durable-file.js';
import { SkiffError } from '../core/errors.js';

export function loadSecretKey(dataDir: string, configured: string | undefined): Buffer {
  if (configured !== undefined && configured !== '') return parseKey(configured, 'SKIFF_SECRET_KEY');
  const file = path.join(dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Created whole and flushed: a key lost or cut short by a crash would make every secret unreadable.
    // False when another process created it first: theirs is used.
    createFileDurablySync(file, `${randomBytes(32).toString('base64')}\n`, 0o600);
  }
  return parseKey(fs.readFileSync(file, 'utf8'), file);
}

function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `the secret key in ${where} is not 32 bytes`, {
      hint: 'use 64 hex characters or the base64 of 32 random bytes, e.g. `openssl rand -base64 32`',
      path: where,
    });
  }
  return key;
}
