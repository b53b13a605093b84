/**
 * Reads kubeconfig files the way kubectl does: several files (KUBECONFIG=a:b) merge with the first
 * file that names a cluster, user or context winning, and relative file paths in an entry are
 * relative to the file that holds the entry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SkiffError } from '../../../core/errors.js';

const clusterSchema = z.looseObject({
  server: z.string().optional(),
  'certificate-authority': z.string().optional(),
  'certificate-authority-data': z.string().optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().optional(),
});

const userSchema = z.looseObject({
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  'client-certificate': z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key': z.string().optional(),
  'client-key-data': z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  exec: z.looseObject({ command: z.string().optional() }).optional(),
  'auth-provider': z.looseObject({ name: z.string().optional() }).optional(),
});

const contextSchema = z.looseObject({
  cluster: z.string().optional(),
  user: z.string().optional(),
  namespace: z.string().optional(),
});

const kubeconfigSchema = z.looseObject({
  clusters: z.array(z.looseObject({ name: z.string(), cluster: clusterSchema })).nullish(),
  users: z.array(z.looseObject({ name: z.string(), user: userSchema })).nullish(),
  contexts: z.array(z.looseObject({ name: z.string(), context: contextSchema })).nullish(),
  'current-context': z.string().nullish(),
});

export type ClusterEntry = z.infer<typeof clusterSchema>;
export type UserEntry = z.infer<typeof userSchema>;
export type ContextEntry = z.infer<typeof contextSchema>;

/** An entry with the file it came from (relative paths in it are relative to that file). */
export interface Sourced<T> {
  readonly file: string;
  readonly value: T;
}

export interface MergedKubeconfig {
  /** The files read, for messages (`a:b` as in KUBECONFIG). */
  readonly files: string;
  readonly currentContext: string | undefined;
  readonly clusters: ReadonlyMap<string, Sourced<ClusterEntry>>;
  readonly users: ReadonlyMap<string, Sourced<UserEntry>>;
  readonly contexts: ReadonlyMap<string, Sourced<ContextEntry>>;
}

export function kubeconfigError(message: string, options: { path?: string; hint: string; cause?: unknown }): SkiffError {
  return new SkiffError('SKIFF_KUBECONFIG_INVALID', message, options);
}

function readOne(file: string): z.infer<typeof kubeconfigSchema> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw kubeconfigError(missing ? `the kubeconfig ${file} does not exist` : `the kubeconfig ${file} cannot be read: ${(error as Error).message}`, {
      hint: "set the environment's kubernetes.kubeconfig (or KUBECONFIG) to the cluster's kubeconfig; `kubectl config view` shows the one kubectl uses",
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = parse(text) ?? {};
  } catch (error) {
    throw kubeconfigError(`the kubeconfig ${file} is not valid YAML: ${(error as Error).message}`, { hint: 'check the file with `kubectl config view --kubeconfig FILE`', cause: error });
  }
  const parsed = kubeconfigSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') ?? '';
    throw kubeconfigError(`the kubeconfig ${file} is malformed at ${where || 'the top level'}: ${issue?.message ?? 'unexpected shape'}`, {
      path: where,
      hint: 'check the file with `kubectl config view --kubeconfig FILE`',
    });
  }
  return parsed.data;
}

function addFirst<T>(into: Map<string, Sourced<T>>, file: string, entries: readonly { name: string; value: T }[]): void {
  for (const entry of entries) if (!into.has(entry.name)) into.set(entry.name, { file, value: entry.value });
}

/** Reads and merges `files` (in order; the first one that names an entry wins). */
export function readKubeconfigFiles(files: readonly string[]): MergedKubeconfig {
  const clusters = new Map<string, Sourced<ClusterEntry>>();
  const users = new Map<string, Sourced<UserEntry>>();
  const contexts = new Map<string, Sourced<ContextEntry>>();
  let currentContext: string | undefined;
  for (const file of files) {
    const config = readOne(file);
    addFirst(clusters, file, (config.clusters ?? []).map((e) => ({ name: e.name, value: e.cluster })));
    addFirst(users, file, (config.users ?? []).map((e) => ({ name: e.name, value: e.user })));
    addFirst(contexts, file, (config.contexts ?? []).map((e) => ({ name: e.name, value: e.context })));
    currentContext ??= config['current-context'] || undefined;
  }
  return { files: files.join(path.delimiter), currentContext, clusters, users, contexts };
}
