import type { Command } from 'commander';
import { isSkiffError } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatBytes } from '../output.js';
import { withProgress } from '../progress.js';

/** `skiff build SERVICE`: builds and stores an artifact, printing its digest and size. */
export function registerBuild(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('build')
    .description("build an artifact of a service from its context directory and store it under its digest")
    .argument('<service>', 'the service to build')
    .action((service: string) => run(() => build(ctx, service)));
}

async function build(ctx: CliContext, service: string): Promise<number> {
  try {
    const artifact = await withProgress(ctx, `building ${service}`, () => ctx.client.build({ service }));
    ctx.out(`built ${service}: ${artifact.digest} (${formatBytes(artifact.size)})`);
    if (artifact.sourceCommit) ctx.out(`from commit ${artifact.sourceCommit}`);
    return 0;
  } catch (error) {
    if (!isSkiffError(error) || error.code !== 'SKIFF_BUILD_FAILED') throw error;
    for (const line of formatBuildFailure(error.message, error.details.map((detail) => detail.message), error.hint)) ctx.err(line);
    return 1;
  }
}

/**
 * The build's own output (stderr) is the useful part of a failure: shown as it is, each line
 * behind `| `, wherever the server put it (after the first line of the message, or in details).
 */
export function formatBuildFailure(message: string, details: readonly string[], hint: string | undefined): string[] {
  const [headline = 'the build failed', ...rest] = message.split('\n');
  const output = [...rest, ...details.flatMap((detail) => detail.split('\n'))];
  while (output.length > 0 && output.at(-1)?.trim() === '') output.pop();
  return [
    `error: ${headline} [SKIFF_BUILD_FAILED]`,
    ...output.map((line) => `  | ${line}`.trimEnd()),
    ...(hint ? [`  hint: ${hint}`] : []),
  ];
}
