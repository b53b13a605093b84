/**
 * The import rules of DESIGN.md/STYLE.md, enforced: each module imports only the modules below it,
 * the router knows no services, and no file takes part in an import cycle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(__dirname, '..', 'src');

const allowed: Record<string, readonly string[]> = {
  core: [],
  config: ['core'],
  spec: ['core'],
  store: ['core', 'spec'],
  artifacts: ['core', 'spec'],
  rollout: ['core', 'spec'],
  reconcile: ['core', 'spec', 'store', 'rollout'],
  drivers: ['core', 'spec', 'artifacts'],
  router: ['core'],
  // The router's public listeners (TLS, ACME): pure of services, like the router.
  edge: ['core'],
  providers: ['core', 'spec', 'store', 'rollout', 'reconcile', 'drivers', 'router', 'monitoring'],
  monitoring: ['core', 'spec', 'store'],
  pipeline: ['core', 'spec'],
  flags: ['core', 'spec', 'store'],
  // The API serves the views the modules below it produce (pipeline runs, monitoring views).
  api: ['core', 'spec', 'rollout', 'monitoring', 'pipeline', 'flags'],
  client: ['core', 'api'],
  cli: ['core', 'config', 'spec', 'api', 'client', 'main', 'flags'],
  ui: ['core', 'spec', 'api', 'client'],
  // The control plane implements the API's ports over the environments its providers run.
  'control-plane': ['core', 'spec', 'store', 'artifacts', 'rollout', 'reconcile', 'drivers', 'providers', 'monitoring', 'pipeline', 'api', 'flags', 'edge'],
  main: ['core', 'config', 'spec', 'store', 'artifacts', 'rollout', 'reconcile', 'drivers', 'providers', 'router', 'monitoring', 'pipeline', 'api', 'client', 'control-plane', 'flags', 'edge'],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !full.includes(`${path.sep}testing${path.sep}`) ? [full] : [];
  });
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function localImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const result: string[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2];
    if (specifier) result.push(path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
  }
  return result;
}

const moduleOf = (file: string): string => path.relative(src, file).split(path.sep)[0] as string;

describe('architecture', () => {
  const files = sourceFiles(src);

  it('every module imports only the modules below it', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = moduleOf(file);
      const rules = allowed[from];
      if (!rules) {
        violations.push(`${path.relative(src, file)}: module "${from}" has no import rule`);
        continue;
      }
      for (const target of localImports(file)) {
        const to = moduleOf(target);
        if (to !== from && !rules.includes(to)) violations.push(`${path.relative(src, file)} imports ${path.relative(src, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((file) => [file, localImports(file).filter((target) => fs.existsSync(target))]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].map((f) => path.relative(src, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      stack.push(file);
      for (const next of graph.get(file) ?? []) visit(next);
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) visit(file);
    expect(cycles).toEqual([]);
  });
});
