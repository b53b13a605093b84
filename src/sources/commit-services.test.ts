import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitServices, serviceFolder } from './commit-services.js';
import { globToRegExp } from './path-glob.js';

const monorepo = { catalog: 'catalog', cart: 'cart', web: 'apps/web' } as const;

describe('commitServices', () => {
  it.each([
    { name: 'one service touched', changed: ['catalog/index.js'], patterns: ['catalog/**', 'cart/**'], expected: ['catalog'] },
    { name: 'two services touched: both', changed: ['cart/a.js', 'catalog/b/c.js'], patterns: ['**'], expected: ['catalog', 'cart'] },
    { name: 'no service touched: none', changed: ['README.md', 'docs/x.md'], patterns: ['**'], expected: [] },
    { name: 'a touched file outside the patterns: none', changed: ['catalog/README.md'], patterns: ['catalog/**/*.js'], expected: [] },
    { name: 'a pattern of another folder does not start a service', changed: ['docs/catalog/a.js'], patterns: ['**/*.js'], expected: [] },
    { name: 'a prefix of a folder name is not the folder', changed: ['catalogue/a.js'], patterns: ['**'], expected: [] },
    { name: 'nested folder', changed: ['apps/web/src/main.ts'], patterns: ['apps/**'], expected: ['web'] },
  ])('$name', ({ changed, patterns, expected }) => {
    expect(commitServices({ changed, patterns, specDir: '.', services: monorepo })).toEqual(expected);
  });

  it('takes service paths relative to the spec folder', () => {
    expect(commitServices({ changed: ['catalog/x.js', 'services/catalog/x.js'], patterns: ['services/**'], specDir: 'deploy', services: { catalog: '../services/catalog' } })).toEqual([
      'catalog',
    ]);
  });

  it('never starts a service whose folder is outside the repository', () => {
    expect(serviceFolder('.', '../elsewhere')).toBeNull();
    expect(serviceFolder('.', '/abs/path')).toBeNull();
    expect(serviceFolder('deploy', '..')).toBe('');
  });

  it('a touched service always has a changed file under its folder matching a pattern (property)', () => {
    const segment = fc.constantFrom('catalog', 'cart', 'apps', 'web', 'docs', 'a.js', 'b.md');
    const file = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const pattern = fc.constantFrom('**', 'catalog/**', '**/*.js', 'apps/*/**', 'cart/*', '*.md');
    fc.assert(
      fc.property(fc.array(file, { maxLength: 6 }), fc.array(pattern, { minLength: 1, maxLength: 3 }), (changed, patterns) => {
        const touched = commitServices({ changed, patterns, specDir: '.', services: monorepo });
        for (const [service, folder] of Object.entries(monorepo)) {
          const expected = changed.some((name) => name.startsWith(`${folder}/`) && patterns.some((glob) => globToRegExp(glob).test(name)));
          expect(touched.includes(service)).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('globToRegExp', () => {
  it.each([
    ['catalog/**', 'catalog/a/b.js', true],
    ['catalog/**', 'catalog', false],
    ['**/*.js', 'a.js', true],
    ['**/*.js', 'x/y/a.js', true],
    ['*.js', 'x/a.js', false],
    ['src/?.ts', 'src/a.ts', true],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected);
  });
});
