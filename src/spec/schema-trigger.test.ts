/** `trigger: { git: … }` of a pipeline: defaults, and clear errors with their path. */
import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';

const head = `name: shop
services:
  catalog: { path: catalog, start: [node, server.mjs] }
environments:
  dev: {}
pipelines:
  ci:
`;

function parse(pipeline: string) {
  return parseSpec(`${head}${pipeline}`, 'skiff.yaml');
}

describe('pipeline trigger', () => {
  it('reads the git trigger with its defaults', () => {
    const parsed = parse(`    trigger: { git: { repo: /srv/shop.git, paths: ['catalog/**'] } }
    stages: [build, { deploy: dev }]
`);
    expect(parsed.ok && parsed.spec.pipelines['ci']?.trigger).toEqual({
      git: { repo: '/srv/shop.git', branch: 'main', paths: ['catalog/**'], specDir: '.', interval: 30_000 },
    });
  });

  it.each([
    ['no paths', `{ repo: /r.git, paths: [] }`, 'pipelines.ci.trigger.git.paths'],
    ['a path leaving the repository', `{ repo: /r.git, paths: ['../x/**'] }`, 'pipelines.ci.trigger.git.paths.0'],
    ['an absolute path', `{ repo: /r.git, paths: ['/catalog/**'] }`, 'pipelines.ci.trigger.git.paths.0'],
    ['a branch that is no branch name', `{ repo: /r.git, branch: 'a b', paths: ['**'] }`, 'pipelines.ci.trigger.git.branch'],
    ['an interval under a second', `{ repo: /r.git, paths: ['**'], interval: 10ms }`, 'pipelines.ci.trigger.git.interval'],
    ['an unknown key', `{ repo: /r.git, paths: ['**'], folder: x }`, 'pipelines.ci.trigger.git.folder'],
  ])('refuses %s, with the path and a position', (_name, git, path) => {
    const parsed = parse(`    trigger: { git: ${git} }\n    stages: [build]\n`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((error) => error.path)).toContain(path);
    expect(parsed.errors.every((error) => error.position !== undefined)).toBe(true);
  });

  it('refuses a trigger on a pipeline without a build stage: its runs would not build the commit', () => {
    const parsed = parse(`    trigger: { git: { repo: /r.git, paths: ['**'] } }\n    stages: [{ deploy: dev }]\n`);
    expect(!parsed.ok && parsed.errors.map((error) => [error.path, error.message])).toEqual([
      ['pipelines.ci.trigger', 'a pipeline started by commits needs a `build` stage: its runs build the commit'],
    ]);
  });
});
