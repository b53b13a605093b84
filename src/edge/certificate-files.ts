/**
 * Certificates from files (routes' `tls: { cert, key }`): read and checked all at once when a
 * spec is applied (one bad pair refuses the whole set, nothing changes), then watched. A pair
 * whose files change is read again and swapped in when it checks out; a half-written or broken
 * pair is logged and the previous one kept, so a renewal that replaces the certificate before its
 * key only takes effect once both fit.
 */
import { watchFile, unwatchFile, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SkiffError, type ErrorDetail } from '../core/errors.js';
import type { TlsCertificate } from '../core/route-table.js';
import { inspectUsableCertificate, type CertificateInfo } from './certificate.js';

/** One route's pair of files. */
export interface CertificateFileRef {
  /** The field path of the route's `tls`, for errors: `services.web.routes.0.tls`. */
  readonly path: string;
  /** Absolute paths. */
  readonly certPath: string;
  readonly keyPath: string;
}

export interface LoadedCertificate {
  readonly ref: CertificateFileRef;
  readonly certificate: TlsCertificate;
  readonly info: CertificateInfo;
}

export interface CertificateFilesLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface CertificateFilesOptions {
  /** The certificates changed: a new set was applied, or a watched pair was swapped for one that checks out. */
  readonly onChange: () => void;
  readonly logger: CertificateFilesLogger;
  readonly now: () => Date;
  /** How often the files' status is polled (polling also sees files replaced by rename). Default 1 s. */
  readonly pollIntervalMs?: number;
}

type ReadResult = { readonly ok: true; readonly loaded: LoadedCertificate } | { readonly ok: false; readonly detail: ErrorDetail };

const pairKey = (ref: CertificateFileRef): string => `${ref.certPath}\0${ref.keyPath}`;

async function readPair(ref: CertificateFileRef, now: Date): Promise<ReadResult> {
  const texts: string[] = [];
  for (const [field, file] of [['cert', ref.certPath], ['key', ref.keyPath]] as const) {
    try {
      texts.push(await readFile(file, 'utf8'));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      return { ok: false, detail: { code: 'SKIFF_TLS_CERTIFICATE_INVALID', path: `${ref.path}.${field}`, message: `cannot read ${file}: ${reason}` } };
    }
  }
  const [cert, key] = texts as [string, string];
  const check = inspectUsableCertificate(cert, key, now);
  if (!check.ok) {
    const file = check.field === 'cert' ? ref.certPath : ref.keyPath;
    return { ok: false, detail: { code: 'SKIFF_TLS_CERTIFICATE_INVALID', path: `${ref.path}.${check.field}`, message: `${file}: ${check.problem}` } };
  }
  return { ok: true, loaded: { ref, info: check.info, certificate: { hosts: check.info.hosts, cert, key, source: 'file' } } };
}

export class CertificateFiles {
  /** By pair of files, in the order first named. */
  private loaded = new Map<string, LoadedCertificate>();
  private watched = new Map<string, (current: Stats, previous: Stats) => void>();

  constructor(private readonly options: CertificateFilesOptions) {}

  /** Reads and checks every pair; on success they replace the current ones, else a SkiffError lists each bad field and nothing changes. */
  async replace(refs: readonly CertificateFileRef[]): Promise<void> {
    const unique = [...new Map(refs.map((ref) => [pairKey(ref), ref])).values()];
    const now = this.options.now();
    const results = await Promise.all(unique.map((ref) => readPair(ref, now)));
    const details = results.flatMap((result) => (result.ok ? [] : [result.detail]));
    if (details.length > 0) {
      const first = details[0] as ErrorDetail;
      throw new SkiffError('SKIFF_TLS_CERTIFICATE_INVALID', `${first.path}: ${first.message}`, {
        details,
        path: first.path,
        hint: 'give PEM files the server can read: the certificate chain (leaf first) and its private key, valid today',
      });
    }
    const before = this.certificates();
    this.loaded = new Map(results.flatMap((result) => (result.ok ? [[pairKey(result.loaded.ref), result.loaded] as const] : [])));
    this.watch(unique);
    const after = this.certificates();
    const same = before.length === after.length && before.every((one, index) => one.cert === after[index]?.cert && one.key === after[index]?.key);
    if (!same) this.options.onChange();
  }

  certificates(): readonly TlsCertificate[] {
    return [...this.loaded.values()].map((loaded) => loaded.certificate);
  }

  list(): readonly LoadedCertificate[] {
    return [...this.loaded.values()];
  }

  close(): void {
    for (const [file, listener] of this.watched) unwatchFile(file, listener);
    this.watched.clear();
  }

  private watch(refs: readonly CertificateFileRef[]): void {
    const files = new Map<string, CertificateFileRef[]>();
    for (const ref of refs) for (const file of [ref.certPath, ref.keyPath]) files.set(file, [...(files.get(file) ?? []), ref]);
    for (const [file, listener] of this.watched) {
      if (!files.has(file)) {
        unwatchFile(file, listener);
        this.watched.delete(file);
      }
    }
    for (const file of files.keys()) {
      if (this.watched.has(file)) continue;
      const listener = (current: Stats, previous: Stats): void => {
        if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
        for (const ref of this.refsOf(file)) void this.reload(ref);
      };
      watchFile(file, { interval: this.options.pollIntervalMs ?? 1_000, persistent: false }, listener);
      this.watched.set(file, listener);
    }
  }

  private refsOf(file: string): CertificateFileRef[] {
    return [...this.loaded.values()].map((loaded) => loaded.ref).filter((ref) => ref.certPath === file || ref.keyPath === file);
  }

  private async reload(ref: CertificateFileRef): Promise<void> {
    const result = await readPair(ref, this.options.now());
    const key = pairKey(ref);
    const current = this.loaded.get(key);
    // Replaced or dropped by an apply meanwhile: that read wins.
    if (current === undefined || current.ref !== ref) return;
    if (!result.ok) {
      this.options.logger.error({ path: result.detail.path, err: result.detail.message }, 'certificate files changed but cannot be used; keeping the previous certificate');
      return;
    }
    if (result.loaded.certificate.cert === current.certificate.cert && result.loaded.certificate.key === current.certificate.key) return;
    this.loaded.set(key, result.loaded);
    this.options.logger.info({ path: ref.path, hosts: result.loaded.info.hosts, notAfter: result.loaded.info.notAfter.toISOString() }, 'certificate files reloaded');
    this.options.onChange();
  }
}
