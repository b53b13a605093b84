/**
 * The local admin token of `skiff up`: made on first start for the user running it and written to
 * `<data dir>/token` (mode 0600), where the CLI finds it; kept across restarts while it is valid.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TokenStore } from '../store/token-store.js';

/** Recorded as the creator of the local token, so a lost one can be replaced without touching others'. */
export const localTokenCreator = 'skiff up';

export interface LocalToken {
  readonly file: string;
  readonly name: string;
  /** False when the token in the file was still valid and kept. */
  readonly created: boolean;
}

export function tokenFile(dataDir: string): string {
  return path.join(dataDir, 'token');
}

export function ensureLocalAdminToken(options: { readonly tokens: TokenStore; readonly dataDir: string; readonly user: string }): LocalToken {
  const file = tokenFile(options.dataDir);
  const existing = readToken(file);
  const caller = existing === null ? null : options.tokens.verify(existing);
  if (caller && caller.role === 'admin') {
    fs.chmodSync(file, 0o600);
    return { file, name: caller.name, created: false };
  }
  const name = freeName(options.tokens, tokenName(options.user));
  const { token } = options.tokens.create({ name, role: 'admin', environments: null, createdBy: localTokenCreator });
  writePrivate(file, `${token}\n`);
  return { file, name, created: true };
}

/** The user's name as a token name: a local token lost with its file is replaced, someone else's is left alone. */
function freeName(tokens: TokenStore, base: string): string {
  for (let attempt = 0; ; attempt += 1) {
    const name = attempt === 0 ? base : `${base}-local${attempt === 1 ? '' : `-${attempt}`}`;
    const holder = tokens.find(name);
    if (!holder) return name;
    if (holder.createdBy === localTokenCreator) {
      tokens.revoke(name);
      return name;
    }
  }
}

function tokenName(user: string): string {
  const cleaned = user.replace(/[^A-Za-z0-9._@-]/g, '-').slice(0, 80);
  if (cleaned === '') return 'local';
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `u${cleaned}`;
}

function readToken(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Written whole under another name and renamed: a reader never sees half a token. */
function writePrivate(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}
