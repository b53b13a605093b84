import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packDirectory } from './tar-pack.js';
import { extractArchive } from './tar-unpack.js';
import { snapshotTree, useTempDirs, writeTree, type TreeSpec } from './testing/fixtures.js';

const tempDir = useTempDirs();

// Names include characters that sort differently by locale and by UTF-16 vs UTF-8 order.
const segment = fc.stringMatching(/^[a-zA-Z0-9_.ä€😀 -]{1,12}$/u).filter((name) => name !== '.' && name !== '..');
const entry = fc.oneof(
  fc.record({ content: fc.string({ maxLength: 300 }), mode: fc.constantFrom(0o600, 0o644, 0o700, 0o755, 0o640) }),
  fc.record({ symlink: fc.stringMatching(/^[a-z./]{1,20}$/) }),
  fc.constant({ dir: true as const }),
);
const tree = fc
  .dictionary(fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')), entry, { maxKeys: 8 })
  .map((raw) => {
    // A path cannot be both a leaf and a parent: keep only paths that are not prefixes of others.
    const keys = Object.keys(raw);
    return Object.fromEntries(Object.entries(raw).filter(([key]) => !keys.some((other) => other.startsWith(`${key}/`)))) as TreeSpec;
  });

describe('pack and unpack, for random trees', () => {
  it('unpack(pack(tree)) is the tree, with normalised modes; pack is a pure function of the tree', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (spec) => {
        const [first, second, work, target] = await Promise.all([tempDir('p1'), tempDir('p2'), tempDir('pw'), tempDir('pt')]);
        await writeTree(first, spec);
        // The same tree, written in the reverse order at another path and another time.
        await writeTree(second, Object.fromEntries(Object.entries(spec).reverse()));
        const a = await packDirectory(first, path.join(work, 'a.tar'));
        const b = await packDirectory(second, path.join(work, 'b.tar'));
        expect(b.digest).toBe(a.digest);
        expect(await readFile(path.join(work, 'b.tar'))).toEqual(await readFile(path.join(work, 'a.tar')));

        await extractArchive(path.join(work, 'a.tar'), target);
        const expected = await snapshotTree(first);
        for (const value of Object.values(expected)) {
          if (value.kind === 'file') value.mode = value.mode & 0o111 ? 0o755 : 0o644;
          if (value.kind === 'dir') value.mode = 0o755;
        }
        expect(await snapshotTree(target)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});
