import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/parse.js';
import { detectServices } from './init/detect.js';
import { cliHarness } from './testing/run-cli.js';

const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'init', 'services');
const made: string[] = [];

function tempDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-init-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function copyOfFixtures(...names: string[]): string {
  const dir = tempDir();
  for (const name of names) fs.cpSync(path.join(fixtures, name), path.join(dir, name), { recursive: true });
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const init = (cwd: string, ...args: string[]) => cliHarness({}).run(['init', ...args], { cwd });

describe('skiff init: detection', () => {
  it('finds a service per language in the fixtures, with its start command, health route and route', async () => {
    const detection = await detectServices(fixtures);
    const byName = Object.fromEntries(detection.services.map((service) => [service.name, service]));
    expect(Object.keys(byName)).toEqual(['docker-api', 'go-api', 'node-api', 'py-api']);
    expect(byName['node-api']).toMatchObject({ runtime: 'node', start: ['node', 'server.js'], healthPath: '/health', path: 'node-api' });
    expect(byName['py-api']).toMatchObject({ runtime: 'python', start: ['python3', 'app.py'], healthPath: '/healthz' });
    expect(byName['py-api']!.build).toBeUndefined();
    expect(byName['go-api']).toMatchObject({ runtime: 'go', build: ['go', 'build', '-o', 'go-api', '.'], start: ['./go-api'], healthPath: '/health' });
    expect(byName['docker-api']).toMatchObject({ runtime: 'docker' });
    expect(byName['docker-api']!.healthPath).toBeUndefined();
    expect(detection.skipped).toEqual([{ path: 'notes', reason: expect.stringContaining('no package.json') }]);
  });

  it('reads the other entry points: main, npm start, manage.py, a __main__ package, pyproject, dependencies', async () => {
    const dir = tempDir({
      'a/package.json': JSON.stringify({ main: 'lib/index.js', dependencies: { express: '4' } }),
      'a/package-lock.json': '{}',
      'b/package.json': JSON.stringify({ scripts: { start: 'tsx src/main.ts --watch' } }),
      'c/manage.py': '',
      'c/requirements.txt': 'django==5.0\n',
      'd/pyproject.toml': '[project]\nname = "d"\n',
      'd/d_app/__main__.py': 'print(1)\n',
      'e/package.json': '{ not json',
      'f/pyproject.toml': '',
    });
    const { services, skipped } = await detectServices(dir);
    expect(services.map((service) => [service.name, service.start, service.build])).toEqual([
      ['a', ['node', 'lib/index.js'], ['npm', 'ci', '--omit=dev']],
      ['b', ['npm', 'start'], undefined],
      ['c', ['sh', '-c', 'exec python3 manage.py runserver --noreload 127.0.0.1:$PORT'], ['python3', '-m', 'pip', 'install', '-r', 'requirements.txt', '--target', '.python-packages']],
      ['d', ['python3', '-m', 'd_app'], undefined],
    ]);
    expect(services[2]!.env).toEqual({ PYTHONPATH: '.python-packages' });
    expect(skipped.map((skip) => [skip.path, skip.reason])).toEqual([
      ['e', 'package.json is not valid JSON'],
      ['f', expect.stringContaining('without app.py')],
    ]);
  });
});

describe('skiff init', () => {
  it('writes a commented skiff.yaml that validates, with the editor schema line and three environments', async () => {
    const dir = copyOfFixtures('node-api', 'py-api', 'go-api', 'docker-api', 'notes');
    const result = await init(dir, '--yes');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('skipped notes: no package.json');
    expect(result.stdout).toContain('wrote skiff.yaml: docker-api (docker, /docker-api), go-api (go, /go-api), node-api (node, /node-api), py-api (python, /py-api)');
    const text = fs.readFileSync(path.join(dir, 'skiff.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./skiff.schema.json');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'skiff.schema.json'), 'utf8'))).toMatchObject({ title: 'skiff.yaml' });
    const parsed = parseSpec(text, 'skiff.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(Object.keys(parsed.spec.environments)).toEqual(['dev', 'staging', 'production']);
    expect(parsed.spec.environments.production!.services['node-api']).toMatchObject({ instances: 2 });
    expect(parsed.spec.services['node-api']).toMatchObject({ start: ['node', 'server.js'], readiness: { http: '/health' }, liveness: { http: '/health' }, routes: [{ path: '/node-api', stripPrefix: true }] });
    expect(parsed.spec.services['docker-api']).toMatchObject({ driver: 'docker', image: { dockerfile: './Dockerfile' }, readiness: { tcp: true } });
    expect(parsed.spec.services['go-api']).toMatchObject({ build: { command: ['go', 'build', '-o', 'go-api', '.'] }, start: ['./go-api'] });
    expect(text).toContain("# package.json's start script: node server.js");
  });

  it('takes a directory that is one service, routed at /', async () => {
    const dir = copyOfFixtures('py-api');
    const result = await init(path.join(dir, 'py-api'), '-y');
    expect(result.code, result.stderr).toBe(0);
    const parsed = parseSpec(fs.readFileSync(path.join(dir, 'py-api', 'skiff.yaml'), 'utf8'), 'skiff.yaml');
    expect(parsed.ok && parsed.spec.services['py-api']).toMatchObject({ path: '.', routes: [{ path: '/', stripPrefix: false }] });
  });

  it('never overwrites an existing skiff.yaml without --force', async () => {
    const dir = copyOfFixtures('node-api');
    fs.writeFileSync(path.join(dir, 'skiff.yaml'), 'mine\n');
    const refused = await init(dir, '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[SKIFF_INIT_FILE_EXISTS]');
    expect(refused.stderr).toContain('--force');
    expect(fs.readFileSync(path.join(dir, 'skiff.yaml'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(path.join(dir, 'skiff.schema.json'))).toBe(false);
    const forced = await init(dir, '--yes', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(parseSpec(fs.readFileSync(path.join(dir, 'skiff.yaml'), 'utf8'), 'skiff.yaml').ok).toBe(true);
  });

  it('on an empty directory: a clear message and a skeleton to fill in, and no file', async () => {
    const dir = tempDir();
    const result = await init(dir, '--yes');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('found no service in .: nothing was written [SKIFF_INIT_NO_SERVICES]');
    expect(result.stdout).toContain('# yaml-language-server: $schema=./skiff.schema.json');
    expect(result.stdout).toContain('#   start: [node, server.js]');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('on a directory it cannot classify: says why for each sub-directory, and writes nothing', async () => {
    const dir = copyOfFixtures('notes');
    fs.writeFileSync(path.join(dir, 'Makefile'), 'all:\n');
    const result = await init(dir, '--yes');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[SKIFF_INIT_NO_SERVICES]');
    expect(result.stderr).toContain('notes: no package.json, requirements.txt, pyproject.toml, go.mod or Dockerfile');
    expect(fs.readdirSync(dir).sort()).toEqual(['Makefile', 'notes']);
  });

  it('with two services that would take the same route or name: the conflict, a skeleton with TODOs, and no file', async () => {
    const server = { 'package.json': JSON.stringify({ main: 'server.js' }), 'server.js': '' };
    const files = (dir: string) => Object.fromEntries(Object.entries(server).map(([name, text]) => [`${dir}/${name}`, text]));
    const dir = tempDir({ ...files('web'), ...files('frontend'), ...files('My_Api'), ...files('my-api') });
    const result = await init(dir, '--yes');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[SKIFF_INIT_ROUTE_CONFLICT]');
    expect(result.stderr).toContain('My_Api and my-api would both be named my-api');
    expect(result.stderr).toContain('frontend and web would both take the route /');
    expect(result.stdout).toContain('# TODO: another service would take the same route');
    expect(fs.existsSync(path.join(dir, 'skiff.yaml'))).toBe(false);
  });

  it('refuses a path that is not a directory', async () => {
    const dir = tempDir();
    const result = await init(dir, 'missing');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing is not a directory [SKIFF_BAD_REQUEST]');
  });
});
