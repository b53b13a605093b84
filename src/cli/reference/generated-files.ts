/**
 * The files generated from the code: the JSON Schema of skiff.yaml and the two references.
 * `npm run docs` writes them; a test checks the committed ones are current.
 */
import { environmentVariables } from '../../config/environment-variables.js';
import { specJsonSchema, specSchemaFile, specJsonSchemaText } from '../../spec/json-schema.js';
import { specReferenceMarkdown } from '../../spec/reference-markdown.js';
import { runCli } from '../program.js';
import { cliReferenceMarkdown } from './cli-markdown.js';
import type { CommandOutline } from './program-outline.js';

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

export async function generatedFiles(): Promise<GeneratedFile[]> {
  return [
    { path: specSchemaFile, text: specJsonSchemaText() },
    { path: 'docs/skiff-yaml.md', text: specReferenceMarkdown(specJsonSchema()) },
    { path: 'docs/cli.md', text: cliReferenceMarkdown(await programOutline(), environmentVariables) },
  ];
}

/** The outline as `skiff __outline` prints it: from the very program a user runs. */
export async function programOutline(): Promise<CommandOutline> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'skiff', '__outline'], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    config: { apiUrl: 'http://127.0.0.1:1', environment: 'dev' },
  });
  if (code !== 0) throw new Error(`skiff __outline failed: ${stderr}`);
  return JSON.parse(stdout) as CommandOutline;
}
