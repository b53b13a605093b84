import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliHarness } from '../testing/run-cli.js';
import { generatedFiles, programOutline } from './generated-files.js';
import { allCommands } from './program-outline.js';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('the references generated from the code', () => {
  it('are committed and current: skiff.schema.json, docs/skiff-yaml.md, docs/cli.md (regenerate: npm run docs)', async () => {
    for (const file of await generatedFiles()) {
      expect(fs.readFileSync(path.join(repoRoot, file.path), 'utf8'), `${file.path} is stale: run npm run docs`).toBe(file.text);
    }
  });

  it('describe every command, argument and flag the CLI accepts', async () => {
    const undescribed = allCommands(await programOutline()).flatMap((command) => [
      ...(command.description.trim() === '' ? [command.path] : []),
      ...command.arguments.filter((argument) => argument.description.trim() === '').map((argument) => `${command.path} <${argument.name}>`),
      ...command.options.filter((option) => option.description.trim() === '').map((option) => `${command.path} ${option.flags}`),
    ]);
    expect(undescribed).toEqual([]);
  });

  it('document the flags and variables that were documented nowhere', async () => {
    const cli = (await generatedFiles()).find((file) => file.path === 'docs/cli.md')!.text;
    const section = (command: string): string => cli.split(`\n## ${command}\n`)[1]?.split('\n## ')[0] ?? '';
    expect(section('skiff apply')).toContain('`-m, --message <text>`');
    expect(section('skiff scale')).toContain('`service=count...`');
    expect(section('skiff secret set')).toContain('`--stdin`');
    expect(section('skiff events')).toContain('`-t, --type <type>`');
    expect(section('skiff events')).toContain('`-n, --limit <count>`');
    expect(section('skiff history')).toMatch(/`-n, /);
    expect(section('skiff top')).toContain('`--once`');
    expect(section('skiff pipeline run')).toMatch(/`-p, /);
    expect(section('skiff pipeline status')).toContain("`-s, --service <name>`");
    expect(section('skiff status')).toContain('`--json`');
    expect(cli).toMatch(/\| `SKIFF_ENV` \|/);
    expect(cli).toMatch(/\| `SKIFF_LOG_LEVEL` \|/);
  });

  it('skiff schema prints the committed JSON Schema', async () => {
    const result = await cliHarness({}).run(['schema']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(fs.readFileSync(path.join(repoRoot, 'skiff.schema.json'), 'utf8'));
  });
});
