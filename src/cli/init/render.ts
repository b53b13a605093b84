/**
 * The text of the skiff.yaml `skiff init` writes: the house style of examples/shop, with a comment
 * on each service saying where its start command came from.
 */
import type { ProposedService } from './proposal.js';

export interface RenderOptions {
  readonly name: string;
  readonly services: readonly ProposedService[];
  /** The `$schema` the editor line points at, relative to the spec. */
  readonly schemaFile: string;
  /** Routes left for a person to choose (conflicts): written as a comment instead. */
  readonly openRoutes?: ReadonlySet<string>;
}

export const productionInstances = 2;

export function renderSpec(options: RenderOptions): string {
  const lines = [
    ...header(options.schemaFile),
    'version: 1',
    `name: ${scalar(options.name)}`,
    '',
    'services:',
    ...options.services.flatMap((service, index) => [...(index > 0 ? [''] : []), ...renderService(service, options.openRoutes?.has(service.path) ?? false)]),
    '',
    ...environments(options.services),
  ];
  return `${lines.join('\n')}\n`;
}

function header(schemaFile: string): string[] {
  return [
    `# yaml-language-server: $schema=${schemaFile}`,
    '# Written by `skiff init`. Check it with `skiff validate`, run it with `skiff up` (dev), and see every',
    '# key in docs/skiff-yaml.md; editors with the YAML extension complete it from the schema above.',
    '# Each instance gets its port in $PORT and must listen on it.',
  ];
}

function renderService(service: ProposedService, routeOpen: boolean): string[] {
  const lines = [`  # ${service.note}`, `  ${service.name}:`, `    path: ${scalar(service.path)}`];
  if (service.runtime === 'docker') lines.push('    driver: docker', '    image: { dockerfile: ./Dockerfile }');
  if (service.build) lines.push('    build:', `      command: ${flow(service.build)}`);
  if (service.start) lines.push(`    start: ${flow(service.start)}`);
  lines.push('    instances: 1');
  if (service.env) lines.push('    env:', ...Object.entries(service.env).map(([key, value]) => `      ${key}: ${scalar(value)}`));
  const probe = service.healthPath ? `http: ${scalar(service.healthPath)}` : 'tcp: true';
  lines.push(
    service.healthPath ? `    # ${service.healthPath} is in the source; requests wait until it answers 2xx.` : '    # No health route found in the source: ready once the port accepts connections.',
    '    readiness:',
    `      ${probe}`,
    '      interval: 1s',
    '      startGrace: 30s',
  );
  if (service.healthPath) lines.push('    liveness:', `      ${probe}`, '      interval: 5s', '      failureThreshold: 3');
  lines.push(...routes(service, routeOpen), '    stopGrace: 5s');
  return lines;
}

function routes(service: ProposedService, open: boolean): string[] {
  if (open) {
    return ['    # TODO: another service would take the same route; choose one and uncomment:', '    # routes:', `    #   - path: /${service.name}`, '    #     stripPrefix: true'];
  }
  if (service.route === '/') return ['    routes:', '      - path: /'];
  return ['    routes:', `      - path: ${scalar(service.route)}`, '        stripPrefix: true'];
}

function environments(services: readonly ProposedService[]): string[] {
  return [
    '# dev runs what is above; staging and production are the same services with their own settings.',
    'environments:',
    '  dev: {}',
    '  staging: {}',
    '  production:',
    '    services:',
    ...services.flatMap((service) => [`      ${service.name}:`, `        instances: ${productionInstances}`]),
  ];
}

/** A YAML flow list: `[node, server.mjs]`. */
function flow(words: readonly string[]): string {
  return `[${words.map(scalar).join(', ')}]`;
}

/** Plain when YAML reads it back as the same string, else double-quoted (JSON is valid YAML). */
function scalar(text: string): string {
  const plain = /^[A-Za-z_./][\w./@=:+-]*$/.test(text) && !/^(true|false|yes|no|on|off|null|~)$/i.test(text) && !text.includes(': ');
  return plain ? text : JSON.stringify(text);
}

/** What to start from when nothing could be detected: every line to fill in is a comment. */
export function renderSkeleton(name: string, schemaFile: string): string {
  return [
    ...header(schemaFile),
    'version: 1',
    `name: ${scalar(name)}`,
    'services:',
    '  # One entry per service; fill in and uncomment:',
    '  # api:',
    '  #   path: api                   # the service directory, relative to this file',
    '  #   start: [node, server.js]    # the command that starts one instance',
    '  #   build: { command: [npm, ci] }  # optional: run once per build, in a copy of the directory',
    '  #   # driver: docker and image: { dockerfile: ./Dockerfile } instead of start, for a container',
    '  #   readiness: { http: /health }   # or { tcp: true }',
    '  #   routes:',
    '  #     - path: /api',
    '  #       stripPrefix: true',
    'environments:',
    '  dev: {}',
    '  staging: {}',
    '  production: {}',
    '',
  ].join('\n');
}
