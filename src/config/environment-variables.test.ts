import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../core/errors.js';
import { environmentVariables } from './environment-variables.js';

describe('environment variables', () => {
  it('every SKIFF_ variable config/ reads is described for docs/cli.md', () => {
    const source = fs.readdirSync(__dirname).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts')).map((name) => fs.readFileSync(path.join(__dirname, name), 'utf8')).join('\n');
    const read = new Set([...source.matchAll(/\b(SKIFF_[A-Z][A-Z_]*[A-Z]|DOCKER_HOST)\b/g)].map((match) => match[1]!).filter((name) => !(name in errorCatalog)));
    const described = new Set(environmentVariables.map((variable) => variable.name));
    expect([...read].filter((name) => !described.has(name))).toEqual([]);
  });
});
