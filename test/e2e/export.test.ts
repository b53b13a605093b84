/**
 * `skiff export ENV --format kubernetes`, run as a user runs it (the built CLI): to stdout, into a
 * directory, without a control plane (digests named with --release) and with one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { shopKubernetesEnvironment } from '../../src/providers/kubernetes/testing/shop.js';
import { echoSpecWithCluster, freePort, repoRoot, skiffBin, startPlatform, tempDir } from './platform.js';
import type { Platform } from './platform.js';

const digest = (seed: string): string => `sha256:${seed.repeat(64).slice(0, 64)}`;
const shopReleases = ['catalog=v7@' + digest('c7'), 'orders=v2@' + digest('02'), 'reviews=v1@' + digest('a1'), 'web=v3@' + digest('b3')];

let platform: Platform | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The shop with a kubernetes environment `cluster`, in a directory of its own. */
function shopDir(): string {
  const dir = tempDir('skiff-export-');
  dirs.push(dir);
  fs.cpSync(path.join(repoRoot, 'examples', 'shop'), dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'skiff.yaml'), shopKubernetesEnvironment);
  return dir;
}

async function skiff(args: string[], cwd: string, apiUrl?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = spawnSync(process.execPath, [skiffBin, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SKIFF_API: apiUrl ?? `http://127.0.0.1:${await freePort()}` },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const kindsAndNames = (text: string): string[] =>
  parseAllDocuments(text, { version: '1.1' }).map((document) => {
    const object = document.toJSON() as { kind: string; metadata: { name: string } };
    return `${object.kind}/${object.metadata.name}`;
  });

describe('skiff export --format kubernetes', () => {
  it('writes every object to stdout from the spec file and the digests named, with no control plane', async () => {
    const dir = shopDir();
    const result = await skiff(['export', 'cluster', '--format', 'kubernetes', ...shopReleases.flatMap((release) => ['--release', release])], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const objects = kindsAndNames(result.stdout);
    expect(objects.slice(0, 8)).toEqual([
      'Namespace/skiff-cluster',
      'ServiceAccount/skiff-control-plane',
      'ServiceAccount/skiff-router',
      'Role/skiff-control-plane',
      'Role/skiff-router',
      'RoleBinding/skiff-control-plane',
      'RoleBinding/skiff-router',
      'ConfigMap/skiff-router-routes',
    ]);
    expect(objects).toEqual(expect.arrayContaining(['Deployment/catalog-v7', 'Deployment/web-v3', 'Service/skiff-router', 'PodDisruptionBudget/skiff-router', 'HTTPRoute/web-route-0']));
    expect(result.stdout).toContain(`image: 127.0.0.1:5000/skiff/catalog@${digest('c7')}`);
    // The same input writes the same bytes.
    expect((await skiff(['export', 'cluster', '--format', 'kubernetes', ...shopReleases.flatMap((release) => ['--release', release])], dir)).stdout).toBe(result.stdout);
  }, 60_000);

  it('writes one file per object into --out, and a later export removes the files of objects gone', async () => {
    const dir = shopDir();
    const args = ['export', 'cluster', '--format', 'kubernetes', '--out', 'deploy/cluster'];
    const first = await skiff([...args, ...shopReleases.flatMap((release) => ['--release', release])], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^wrote \d+ objects of cluster \(namespace skiff-cluster\) to deploy\/cluster\n$/);
    const files = fs.readdirSync(path.join(dir, 'deploy', 'cluster')).sort();
    expect(files[0]).toBe('01-namespace-skiff-cluster.yaml');
    expect(files).toContain('02-serviceaccount-skiff-control-plane.yaml');
    expect(files.some((file) => /^\d\d-deployment-catalog-v7\.yaml$/.test(file))).toBe(true);
    fs.writeFileSync(path.join(dir, 'deploy', 'cluster', 'kustomization.yaml'), 'resources: []\n');

    const next = await skiff([...args, ...shopReleases.map((release) => release.replace('catalog=v7@', 'catalog=v8@')).flatMap((release) => ['--release', release])], dir);
    expect(next.code, next.stderr).toBe(0);
    const after = fs.readdirSync(path.join(dir, 'deploy', 'cluster'));
    expect(after.some((file) => file.includes('catalog-v8'))).toBe(true);
    expect(after.some((file) => file.includes('catalog-v7'))).toBe(false);
    expect(after).toContain('kustomization.yaml');
  }, 60_000);

  it('says the digests are unknown when no control plane answers and --release does not name them', async () => {
    const dir = shopDir();
    const result = await skiff(['export', 'cluster', '--format', 'kubernetes', '--release', shopReleases[0]!], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: the image digests of orders, reviews, web in cluster are unknown: no Skiff control plane answers at http:\/\/127\.0\.0\.1:\d+ \[SKIFF_EXPORT_RELEASES_UNKNOWN\]/);
    expect(result.stderr).toContain('--release orders=sha256:… --release reviews=sha256:… --release web=sha256:…');
  }, 60_000);

  it('refuses an environment that is not a kubernetes one, and an invalid spec, naming the fix', async () => {
    const dir = shopDir();
    const local = await skiff(['export', 'dev', '--format', 'kubernetes'], dir);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('environment dev runs on provider local: only kubernetes environments export as Kubernetes manifests [SKIFF_NOT_SUPPORTED]');
    fs.appendFileSync(path.join(dir, 'skiff.yaml'), '  broken:\n    provider: kubernetes\n');
    const invalid = await skiff(['export', 'cluster', '--format', 'kubernetes'], dir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('environments.broken.registry');
  }, 60_000);

  it('asks a running control plane for the releases: a service with none is left out with a warning', async () => {
    platform = await startPlatform({
      spec: echoSpecWithCluster({ instances: 1 }),
    });
    const result = platform.cli(['export', 'cluster', '--format', 'kubernetes']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('warning: echo has no release in cluster: left out');
    const objects = kindsAndNames(result.stdout);
    expect(objects).toContain('Deployment/skiff-router');
    expect(objects.filter((object) => object.startsWith('Deployment/'))).toEqual(['Deployment/skiff-router']);
  }, 90_000);
});
