// Writes the files generated from the code (skiff.schema.json, docs/skiff-yaml.md, docs/cli.md) from dist/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../dist/cli/reference/generated-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const file of await generatedFiles()) {
  fs.writeFileSync(path.join(root, file.path), file.text);
  console.log(`wrote ${file.path}`);
}
