/**
 * `skiff export ENV --format kubernetes [--out DIR] [--release SERVICE=[vN@]sha256:…]…`: the
 * manifests Skiff would apply for a kubernetes environment, for teams that apply them with their
 * own tools. The config comes from the spec file (as `skiff validate` reads it); which release of
 * each service runs, and its image digest, from `--release` or else from the control plane.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { SkiffError, formatErrorDetail, isSkiffError } from '../../core/errors.js';
import { skiffVersion } from '../../core/version.js';
import type { Spec } from '../../spec/schema.js';
import type { ExportedRelease } from '../../main/kubernetes-export.js';
import type { CliContext, RunCommand } from '../context.js';
import { defaultSpecFile, readSpecFile } from '../spec-file.js';

interface ExportOptions {
  format: string;
  file: string;
  out?: string;
  release: GivenRelease[];
  routerImage?: string;
}

interface GivenRelease {
  readonly service: string;
  readonly release: string | undefined;
  readonly digest: string;
}

const releasePattern = /^([a-z][a-z0-9-]*)=(?:(v\d+)@)?(sha256:[0-9a-f]{64})$/;
/** The files export writes: removed from DIR before a new export, so a release gone is a file gone. */
const writtenFile = /^\d{2,}-[a-z]+-[a-z0-9.-]+\.yaml$/;

function parseRelease(value: string, previous: GivenRelease[]): GivenRelease[] {
  const match = releasePattern.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected SERVICE=sha256:<64 hex> or SERVICE=vN@sha256:<64 hex>, the image digest in the registry');
  return [...previous, { service: match[1] as string, release: match[2], digest: match[3] as string }];
}

export function registerExport(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('export')
    .description("write the objects Skiff would apply for an environment (for your own GitOps tools)")
    .argument('<env>', 'the environment (its provider must be kubernetes)')
    .requiredOption('--format <format>', 'the format: kubernetes')
    .option('-f, --file <file>', 'the spec file or its directory', defaultSpecFile)
    .option('-o, --out <dir>', 'write one file per object into this directory (NN-kind-name.yaml) instead of one stream to stdout')
    .option('--release <service=[vN@]sha256:…>', "a service's image digest in the registry (repeatable); services not named are asked of the control plane", parseRelease, [])
    .option('--router-image <ref>', "the image of Skiff's router (default REGISTRY/skiff-router:VERSION)")
    .action((environment: string, options: ExportOptions) => run(() => exportEnvironment(ctx, environment, options)));
}

async function exportEnvironment(ctx: CliContext, environment: string, options: ExportOptions): Promise<number> {
  if (options.format !== 'kubernetes') {
    throw new SkiffError('SKIFF_BAD_REQUEST', `unknown export format "${options.format}"`, { path: '--format', hint: 'use --format kubernetes' });
  }
  const source = await readSpecFile(ctx.cwd, options.file);
  const { parseSpec } = await import('../../spec/parse.js');
  const parsed = parseSpec(source.text, source.file);
  if (!parsed.ok) {
    for (const error of parsed.errors) ctx.err(formatErrorDetail(error));
    ctx.err(`${source.file} is invalid: nothing was exported`);
    return 1;
  }
  const spec = parsed.spec;
  const registry = kubernetesRegistry(spec, environment, source.file);
  const releases = await currentReleases(ctx, spec, environment, options.release);
  for (const { service, secrets } of releases) {
    const names = Object.keys(secrets);
    if (names.length > 0) {
      ctx.err(`warning: ${service}'s Secret holds placeholders for ${names.join(', ')}: Skiff's API never gives out secret values; set them in the cluster before the pods start`);
    }
  }
  const credentials = spec.environments[environment]?.kubernetes?.registryCredentials;
  if (credentials) ctx.err(`warning: the image pull Secret skiff-registry holds a placeholder for the password of ${credentials.username} (${credentials.passwordEnv}): set it in the cluster before the pods start`);
  const { exportKubernetes } = await import('../../main/kubernetes-export.js');
  const result = exportKubernetes({
    spec,
    environment,
    registry,
    releases,
    routerImage: options.routerImage ?? `${registry}/skiff-router:${skiffVersion}`,
  });
  for (const warning of result.warnings) ctx.err(`warning: ${warning}`);
  if (options.out === undefined) {
    ctx.out(result.stream.trimEnd());
    return 0;
  }
  const dir = path.resolve(ctx.cwd, options.out);
  await fs.mkdir(dir, { recursive: true });
  for (const entry of await fs.readdir(dir)) if (writtenFile.test(entry)) await fs.rm(path.join(dir, entry));
  for (const file of result.files) await fs.writeFile(path.join(dir, file.name), file.text);
  ctx.out(`wrote ${result.files.length} objects of ${environment} (namespace ${result.namespace}) to ${options.out}`);
  return 0;
}

function kubernetesRegistry(spec: Spec, environment: string, file: string): string {
  const settings = spec.environments[environment];
  if (!settings) {
    throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `${file} has no environment "${environment}"`, {
      path: 'environment',
      hint: `environments: ${Object.keys(spec.environments).join(', ')}`,
    });
  }
  if (settings.provider !== 'kubernetes' || settings.registry === undefined) {
    throw new SkiffError('SKIFF_NOT_SUPPORTED', `environment ${environment} runs on provider ${settings.provider}: only kubernetes environments export as Kubernetes manifests`, {
      path: `environments.${environment}.provider`,
      hint: `set \`provider: kubernetes\` and \`registry: HOST[:PORT]/PATH\` on environments.${environment} in ${file}`,
    });
  }
  return settings.registry;
}

/**
 * The release of each service: the ones named with --release, the others the environment's
 * current release according to the control plane. Without a control plane, the digests are
 * unknown: nothing is guessed.
 */
async function currentReleases(ctx: CliContext, spec: Spec, environment: string, given: readonly GivenRelease[]): Promise<ExportedRelease[]> {
  const services = Object.keys(spec.services).sort();
  for (const release of given) {
    if (!services.includes(release.service)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `--release names "${release.service}", which is not a service of the spec`, { path: '--release', hint: `services: ${services.join(', ')}` });
    }
  }
  const named = new Map(given.map((release) => [release.service, release]));
  const asked = services.filter((service) => !named.has(service));
  const out: ExportedRelease[] = [];
  for (const service of services) {
    const release = named.get(service);
    // Named by digest only: the release is named by the digest too (the control plane would number it).
    if (release) out.push({ service, release: release.release ?? `d-${release.digest.slice(7, 17)}`, digest: release.digest, secrets: {} });
  }
  if (asked.length === 0) return out;
  try {
    for (const service of asked) {
      const current = (await ctx.client.releases(environment, service)).find((release) => release.current);
      if (!current) {
        ctx.err(`warning: ${service} has no release in ${environment}: left out (deploy it, or name it with --release ${service}=sha256:…)`);
        continue;
      }
      if (current.artifact === null) {
        throw new SkiffError('SKIFF_EXPORT_RELEASES_UNKNOWN', `${service} ${current.version} in ${environment} runs from its source directory: it has no image to reference`, {
          path: '--release',
          hint: `deploy a built artifact (\`skiff deploy ${service} latest ${environment}\`), or name its image with --release ${service}=sha256:…`,
        });
      }
      const secrets = await ctx.client.secrets(environment, service);
      out.push({
        service,
        release: current.version,
        digest: current.artifact,
        configHash: current.configHash,
        secrets: Object.fromEntries(secrets.map((secret) => [secret.name, `<${secret.name}: set in the cluster>`])),
      });
    }
  } catch (error) {
    if (!isSkiffError(error) || error.code !== 'SKIFF_API_UNREACHABLE') throw error;
    throw new SkiffError('SKIFF_EXPORT_RELEASES_UNKNOWN', `the image digests of ${asked.join(', ')} in ${environment} are unknown: no Skiff control plane answers at ${ctx.config.apiUrl}`, {
      path: '--release',
      hint: `start the control plane that runs ${environment} (SKIFF_API names it), or name each image: ${asked.map((service) => `--release ${service}=sha256:…`).join(' ')}`,
      cause: error,
    });
  }
  return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}
