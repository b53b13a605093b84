/**
 * Turns a TypeScript module and the relative modules it imports into JavaScript that plain `node`
 * runs, so a test can run driver code in a separate, short-lived process (a control plane that
 * dies) without depending on a prior `npm run build`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const relativeImport = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g;

/** Transpiles `entry` (a .ts file under `srcRoot`) and its relative imports into `outDir`; returns the entry's .js path. */
export async function transpileForNode(entry: string, srcRoot: string, outDir: string): Promise<string> {
  const pending = [resolve(entry)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = await readFile(file, 'utf8');
    for (const match of source.matchAll(relativeImport)) {
      pending.push(resolve(dirname(file), `${match[1] as string}.ts`));
    }
    const output = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(outDir, relative(srcRoot, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output.outputText);
  }
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return join(outDir, relative(srcRoot, resolve(entry))).replace(/\.ts$/, '.js');
}
