import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { SkiffError, type ErrorDetail } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';
import { detectServices, exists, serviceName } from '../init/detect.js';
import { findConflicts, proposeRoutes, type Conflict } from '../init/proposal.js';
import { terminalReviewer, type Reviewer } from '../init/prompt.js';
import { renderSkeleton, renderSpec } from '../init/render.js';
import { defaultSpecFile } from '../spec-file.js';

interface InitOptions {
  yes?: boolean;
  force?: boolean;
}

/** `skiff init [DIR]`: writes a skiff.yaml for the services found in DIR. */
export function registerInit(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('init')
    .description('write a skiff.yaml for the services in a directory (Node, Python, Go, Dockerfile), with dev, staging and production')
    .argument('[dir]', 'the directory of services (each sub-directory), or of one service', '.')
    .option('-y, --yes', 'take every proposal without asking (the default when not in a terminal)')
    .option('--force', 'overwrite an existing skiff.yaml and skiff.schema.json')
    .action((dir: string, options: InitOptions) =>
      run(() => {
        const interactive = !options.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
        return init(ctx, dir, options, interactive ? terminalReviewer(process.stdin, process.stdout) : undefined);
      }),
    );
}

async function init(ctx: CliContext, dir: string, options: InitOptions, review: Reviewer | undefined): Promise<number> {
  const root = path.resolve(ctx.cwd, dir);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new SkiffError('SKIFF_BAD_REQUEST', `${dir} is not a directory`, { path: dir, hint: 'pass the directory holding your services, e.g. `skiff init .`' });
  const specFile = path.join(dir, defaultSpecFile);
  if (!options.force && (await exists(path.join(root, defaultSpecFile)))) {
    throw new SkiffError('SKIFF_INIT_FILE_EXISTS', `${specFile} exists and is left as it is`, { path: specFile, hint: 'pass --force to replace it, or check it with `skiff validate`' });
  }
  // Loaded here, not at start: the schema pulls in zod, which every other command would pay for.
  const { specSchemaFile, specJsonSchemaText } = await import('../../spec/json-schema.js');
  const { parseSpec } = await import('../../spec/parse.js');
  const name = serviceName(path.basename(root));
  const schemaRef = `./${specSchemaFile}`;

  const detection = await detectServices(root);
  if (detection.services.length === 0) {
    ctx.out(renderSkeleton(name, schemaRef).trimEnd());
    const details: ErrorDetail[] = detection.skipped.map((skip) => ({ code: 'SKIFF_INIT_NO_SERVICES', path: skip.path, message: skip.reason }));
    throw new SkiffError('SKIFF_INIT_NO_SERVICES', `found no service in ${dir}: nothing was written`, {
      details,
      hint: 'a service is a directory with package.json (a start script or main), requirements.txt or pyproject.toml (app.py, main.py, manage.py or __main__.py), go.mod, or a Dockerfile; or fill in the skeleton above and save it as skiff.yaml',
    });
  }
  for (const skip of detection.skipped) ctx.err(`skipped ${skip.path}: ${skip.reason}`);
  if (!review && !options.yes) ctx.err('not a terminal: taking every proposal, as with --yes');
  const proposed = proposeRoutes(detection.services);
  const services = review ? await review(proposed) : proposed;
  if (services.length === 0) throw new SkiffError('SKIFF_INIT_NO_SERVICES', 'every service was left out: nothing was written', { hint: 'run `skiff init` again and keep at least one service' });

  const conflicts = findConflicts(services);
  if (conflicts.length > 0) {
    const open = new Set(conflicts.flatMap((conflict) => conflict.services));
    ctx.out(renderSpec({ name, services, schemaFile: schemaRef, openRoutes: open }).trimEnd());
    throw new SkiffError('SKIFF_INIT_ROUTE_CONFLICT', `${conflicts.map(describeConflict).join('; ')}: nothing was written`, {
      details: conflicts.map((conflict) => ({ code: 'SKIFF_INIT_ROUTE_CONFLICT', path: conflict.services.join(', '), message: describeConflict(conflict) })),
      hint: 'rename a directory, or save the spec above as skiff.yaml after choosing the routes marked TODO',
    });
  }

  const text = renderSpec({ name, services, schemaFile: schemaRef });
  const parsed = parseSpec(text, specFile);
  // A bug here must never leave a file that `skiff up` refuses: it is reported, and nothing is written.
  if (!parsed.ok) throw new SkiffError('SKIFF_INTERNAL', `skiff init made a spec that does not validate: ${parsed.errors.map((error) => error.message).join('; ')}`);
  await fs.writeFile(path.join(root, defaultSpecFile), text, { flag: options.force ? 'w' : 'wx' });
  const schemaPath = path.join(root, specSchemaFile);
  if (options.force || !(await exists(schemaPath))) await fs.writeFile(schemaPath, specJsonSchemaText());
  else ctx.err(`${path.join(dir, specSchemaFile)} exists and is left as it is (\`skiff schema > ${specSchemaFile}\` refreshes it)`);
  ctx.out(`wrote ${specFile}: ${services.map((service) => `${service.name} (${service.runtime}, ${service.route})`).join(', ')}`);
  ctx.out(`next: \`skiff validate ${dir}\`, then \`skiff up ${dir}\``);
  return 0;
}

function describeConflict(conflict: Conflict): string {
  return conflict.what === 'name'
    ? `${conflict.services.join(' and ')} would both be named ${conflict.value}`
    : `${conflict.services.join(' and ')} would both take the route ${conflict.value}`;
}
