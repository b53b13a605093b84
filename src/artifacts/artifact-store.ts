/**
 * The artifact store on disk. Each archive is stored once, as `<dir>/sha256/<hex>.tar`; beside it,
 * one `<hex>.<service>.json` per service that built it (two services may build identical trees).
 * Every file is written to `<dir>/tmp` first and renamed into place, so readers never see half a file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock, type Clock } from '../core/clock.js';
import { renameDurably } from '../core/durable-file.js';
import { SkiffError } from '../core/errors.js';
import { checkServiceName, newestFirst, type ArtifactMeta, type ArtifactRecord } from './artifact-record.js';
import { unpackVerified, verifyStored, type UnpackResult, type VerifyResult } from './artifact-verify.js';
import { digestOfBytes, digestOfHex, hexOf, isDigest, type Digest } from './digest.js';
import { selectArtifact } from './version-spec.js';

export interface ArtifactStore {
  readonly dir: string;
  /** Stores an archive (a file path, or its bytes) and records that `meta.service` built it. */
  put(input: string | Uint8Array, meta: ArtifactMeta): Promise<ArtifactRecord>;
  /** The service's artifacts, newest build first. */
  list(service: string): Promise<ArtifactRecord[]>;
  /** One record of a full digest: the service's when given, else the most recently built. */
  get(digest: string, service?: string): Promise<ArtifactRecord | undefined>;
  /** A full digest, a unique hex prefix (≥ 6, with or without `sha256:`) or `latest`. */
  resolve(service: string, version: string): Promise<ArtifactRecord>;
  /** Re-hashes the stored archive: SKIFF_ARTIFACT_DIGEST_MISMATCH or SKIFF_ARTIFACT_NOT_FOUND when it is not intact. */
  verify(digest: string): Promise<VerifyResult>;
  /** Verifies, then extracts into `targetDir` (atomically, reusing a complete earlier unpack of the same digest). */
  unpack(digest: string, targetDir: string): Promise<UnpackResult>;
  /** Where the archive of a digest lives (whether or not it exists). */
  archivePath(digest: string): string;
}

export interface ArtifactStoreOptions {
  readonly clock?: Clock;
}

const metaPattern = /^([0-9a-f]{64})\.(.+)\.json$/;

export function createArtifactStore(dir: string, options: ArtifactStoreOptions = {}): ArtifactStore {
  const clock = options.clock ?? systemClock;
  const objects = path.join(dir, 'sha256');
  const tmp = path.join(dir, 'tmp');
  const tempName = (suffix: string): string => path.join(tmp, `${randomBytes(8).toString('hex')}${suffix}`);
  const archivePath = (digest: string): string => path.join(objects, `${hexOf(checkDigest(digest))}.tar`);
  const metaPath = (digest: Digest, service: string): string => path.join(objects, `${hexOf(digest)}.${service}.json`);

  const readMeta = async (file: string): Promise<ArtifactRecord | undefined> => {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as ArtifactRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };

  const metaFiles = async (): Promise<{ file: string; hex: string; service: string }[]> => {
    const names = await readdir(objects).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names.flatMap((name) => {
      const match = metaPattern.exec(name);
      return match ? [{ file: path.join(objects, name), hex: match[1] as string, service: match[2] as string }] : [];
    });
  };

  const storeArchive = async (input: string | Uint8Array): Promise<{ digest: Digest; size: number }> => {
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    await mkdir(objects, { recursive: true, mode: 0o700 });
    const temp = tempName('.tar');
    try {
      let digest: Digest;
      let size: number;
      if (typeof input === 'string') {
        ({ digest, size } = await copyHashing(input, temp));
      } else {
        await writeFile(temp, input, { flag: 'wx', mode: 0o600 });
        digest = digestOfBytes(input);
        size = input.length;
      }
      // Renaming over an existing copy is harmless when it is intact and repairs it when it is not.
      await renameDurably(temp, archivePath(digest));
      return { digest, size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  };

  const store: ArtifactStore = {
    dir,
    archivePath,

    async put(input, meta) {
      checkServiceName(meta.service);
      const { digest, size } = await storeArchive(input);
      const now = new Date(clock.now()).toISOString();
      const previous = await readMeta(metaPath(digest, meta.service));
      const record: ArtifactRecord = {
        service: meta.service,
        digest,
        size,
        createdAt: previous?.createdAt ?? now,
        builtAt: now,
        source: meta.source ?? null,
        buildCommand: meta.buildCommand ? [...meta.buildCommand] : null,
        output: meta.output ?? null,
      };
      const temp = tempName('.json');
      await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      await renameDurably(temp, metaPath(digest, meta.service));
      return record;
    },

    async list(service) {
      checkServiceName(service);
      const files = (await metaFiles()).filter((entry) => entry.service === service);
      const records = await Promise.all(files.map((entry) => readMeta(entry.file)));
      return records.filter((record): record is ArtifactRecord => record !== undefined).sort(newestFirst);
    },

    async get(digest, service) {
      const full = checkDigest(digest);
      if (service !== undefined) return readMeta(metaPath(full, checkServiceName(service)));
      const files = (await metaFiles()).filter((entry) => entry.hex === hexOf(full));
      const records = await Promise.all(files.map((entry) => readMeta(entry.file)));
      return records.filter((record): record is ArtifactRecord => record !== undefined).sort(newestFirst)[0];
    },

    async resolve(service, version) {
      return selectArtifact(service, version, await store.list(service));
    },

    async verify(digest) {
      return verifyStored(checkDigest(digest), archivePath(digest));
    },

    async unpack(digest, targetDir) {
      return unpackVerified(checkDigest(digest), archivePath(digest), targetDir);
    },
  };
  return store;
}

function checkDigest(digest: string): Digest {
  if (isDigest(digest)) return digest;
  throw new SkiffError('SKIFF_ARTIFACT_VERSION_INVALID', `"${digest}" is not a full artifact digest`, {
    hint: 'a digest is sha256: followed by 64 hex characters; resolve a prefix or latest first',
  });
}

async function copyHashing(from: string, to: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), tap, createWriteStream(to, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SkiffError('SKIFF_ARTIFACT_NOT_FOUND', `no archive at ${from}`, { cause: error });
    }
    throw error;
  }
  return { digest: digestOfHex(hash.digest('hex')), size };
}

/** `store.verify(digest)`, under the name the rest of Skiff uses for it. */
export function verifyArtifact(store: ArtifactStore, digest: string): Promise<VerifyResult> {
  return store.verify(digest);
}

/** `store.unpack(digest, targetDir)`, under the name the rest of Skiff uses for it. */
export function unpackArtifact(store: ArtifactStore, digest: string, targetDir: string): Promise<UnpackResult> {
  return store.unpack(digest, targetDir);
}
