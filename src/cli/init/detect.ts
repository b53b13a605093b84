/**
 * What `skiff init` finds in a directory: the services it can run, each with how to build and
 * start it, a health check and a route. Reads files only; writes nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { findHealthPath } from './health-path.js';

export type Runtime = 'node' | 'python' | 'go' | 'docker';

export interface DetectedService {
  readonly name: string;
  /** Relative to the directory the spec goes in; `.` when that directory is the service. */
  readonly path: string;
  readonly runtime: Runtime;
  /** Absent for docker services: the image's own command runs. */
  readonly start?: readonly string[];
  readonly build?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** An HTTP path the source answers (`/health`), else the readiness check opens a TCP connection. */
  readonly healthPath?: string;
  /** Why the start command is what it is, written as a comment above it. */
  readonly note: string;
}

export interface Detection {
  readonly services: readonly DetectedService[];
  /** Sub-directories that hold no service Skiff recognises, with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** Directories that are never a service of their own. */
const ignoredDirectories = new Set(['node_modules', 'dist', 'build', 'vendor', 'venv', '__pycache__', 'docs']);

export async function detectServices(root: string): Promise<Detection> {
  const here = await classify(root, '.', serviceName(path.basename(path.resolve(root))));
  if (here.kind === 'service') return { services: [here.service], skipped: [] };
  const services: DetectedService[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const entry of await directories(root)) {
    const found = await classify(path.join(root, entry), entry, serviceName(entry));
    if (found.kind === 'service') services.push(found.service);
    else skipped.push({ path: entry, reason: found.reason });
  }
  return { services, skipped };
}

async function directories(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !ignoredDirectories.has(entry.name))
    .map((entry) => entry.name)
    .sort();
}

type Classification = { kind: 'service'; service: DetectedService } | { kind: 'none'; reason: string };

async function classify(dir: string, relative: string, name: string): Promise<Classification> {
  const files = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  const base = { name, path: relative };
  // A Dockerfile says how the team packages the service: it wins over the language files beside it.
  if (files.has('Dockerfile')) {
    return found({ ...base, runtime: 'docker', note: 'built from its Dockerfile by the Docker engine; the image runs its own command', ...(await health(dir)) });
  }
  if (files.has('package.json')) return node(dir, base);
  if (files.has('go.mod')) {
    // The binary is built in a clean copy of the directory and packed with it: the artifact runs it.
    return found({ ...base, runtime: 'go', build: ['go', 'build', '-o', name, '.'], start: [`./${name}`], note: 'go.mod: built with `go build`, the artifact runs the binary', ...(await health(dir)) });
  }
  if (files.has('requirements.txt') || files.has('pyproject.toml')) return python(dir, files, base);
  return { kind: 'none', reason: 'no package.json, requirements.txt, pyproject.toml, go.mod or Dockerfile' };
}

async function node(dir: string, base: { name: string; path: string }): Promise<Classification> {
  let manifest: { scripts?: Record<string, unknown>; main?: unknown; dependencies?: Record<string, unknown> };
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as typeof manifest;
  } catch {
    return { kind: 'none', reason: 'package.json is not valid JSON' };
  }
  const script = manifest.scripts?.start;
  const start = typeof script === 'string' ? startFromScript(script) : typeof manifest.main === 'string' ? ['node', manifest.main] : undefined;
  if (start === undefined) return { kind: 'none', reason: 'package.json has neither a `start` script nor `main`' };
  const note = typeof script === 'string' ? `package.json's start script: ${script}` : `package.json's main: ${String(manifest.main)}`;
  const hasDependencies = Object.keys(manifest.dependencies ?? {}).length > 0;
  const lockfile = await exists(path.join(dir, 'package-lock.json'));
  return found({
    ...base,
    runtime: 'node',
    start,
    ...(hasDependencies ? { build: lockfile ? ['npm', 'ci', '--omit=dev'] : ['npm', 'install', '--omit=dev'] } : {}),
    note,
    ...(await health(dir)),
  });
}

/** `node server.js` runs as is (signals reach the server); anything else through `npm start`. */
function startFromScript(script: string): string[] {
  const words = script.trim().split(/\s+/);
  const plain = words.every((word) => /^[\w./@=:-]+$/.test(word));
  return plain && words[0] === 'node' ? words : ['npm', 'start'];
}

const pythonEntryPoints = ['app.py', 'main.py', 'server.py', 'manage.py'] as const;

async function python(dir: string, files: ReadonlySet<string>, base: { name: string; path: string }): Promise<Classification> {
  const entry = pythonEntryPoints.find((file) => files.has(file));
  const pkg = entry === undefined ? await packageWithMain(dir) : undefined;
  if (entry === undefined && pkg === undefined) {
    return { kind: 'none', reason: 'a Python project without app.py, main.py, server.py, manage.py or a package with __main__.py' };
  }
  const start =
    entry === 'manage.py'
      ? // Django takes its address as an argument: a shell puts the instance's PORT in it.
        ['sh', '-c', 'exec python3 manage.py runserver --noreload 127.0.0.1:$PORT']
      : entry !== undefined
        ? ['python3', entry]
        : ['python3', '-m', pkg!];
  const requirements = files.has('requirements.txt') ? await fs.readFile(path.join(dir, 'requirements.txt'), 'utf8') : '';
  const hasRequirements = requirements.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const installTarget = '.python-packages';
  return found({
    ...base,
    runtime: 'python',
    start,
    ...(hasRequirements ? { build: ['python3', '-m', 'pip', 'install', '-r', 'requirements.txt', '--target', installTarget], env: { PYTHONPATH: installTarget } } : {}),
    note: entry !== undefined ? `Python: ${entry}` : `Python: the package ${pkg!} (its __main__.py)`,
    ...(await health(dir)),
  });
}

async function packageWithMain(dir: string): Promise<string | undefined> {
  for (const entry of await directories(dir)) {
    if (await exists(path.join(dir, entry, '__main__.py'))) return entry;
  }
  return undefined;
}

async function health(dir: string): Promise<{ healthPath?: string }> {
  const healthPath = await findHealthPath(dir);
  return healthPath === undefined ? {} : { healthPath };
}

function found(service: DetectedService): Classification {
  return { kind: 'service', service };
}

export async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** A directory name as a service name: lowercase letters, digits and dashes, starting with a letter. */
export function serviceName(directory: string): string {
  const cleaned = directory
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 63)
    .replace(/-$/, '');
  return cleaned === '' ? 'app' : cleaned;
}
