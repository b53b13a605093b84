import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ParallelView } from '../../api/rollout-port.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTime } from '../output.js';

const rate = (value: number | null): string => (value === null ? '-' : `${+(value * 100).toFixed(2)}%`);

/** The report as `skiff parallel report` prints it: match rate, real differences per endpoint with examples, noise. */
export function parallelLines(view: ParallelView): string[] {
  const lines = [
    `${view.service} in ${view.environment}: ${view.candidate} beside ${view.trusted}${view.active ? '' : ' (stopped)'}, since ${formatTime(view.startedAt)}; ${view.settings.percent}% of ${view.settings.methods.join(', ')}`,
    `  match rate ${rate(view.matchRate)} over ${view.compared} compared answers`,
  ];
  for (const route of view.routes) {
    lines.push(`  route ${route.route}: ${route.mirrored} mirrored, ${route.compared} compared, ${route.matched} matched (${rate(route.matchRate)}), noise measured on ${route.noiseCompared}, ${route.dropped} dropped`);
    const differing = route.endpoints.filter((endpoint) => endpoint.differences.length > 0);
    if (differing.length === 0) lines.push('    no difference beyond the noise');
    for (const endpoint of differing) {
      lines.push(`    ${endpoint.endpoint}: ${endpoint.differing} of ${endpoint.compared} differ (match ${rate(endpoint.matchRate)})`);
      for (const difference of endpoint.differences) {
        lines.push(`      ${difference.key}: ${difference.candidateCount} times (${rate(difference.candidateRate)}; between trusted instances ${rate(difference.noiseRate)})`);
        for (const sample of difference.samples.slice(0, 2)) {
          lines.push(`        ${sample.path}: ${view.trusted} ${sample.trusted} | ${view.candidate} ${sample.candidate}`);
        }
      }
    }
    if (route.noiseKeys.length > 0) lines.push(`    noise (also between trusted instances, left out): ${route.noiseKeys.join(', ')}`);
  }
  for (const unread of view.unreadRouters) lines.push(`  router ${unread.router} did not answer (${unread.reason}): what it compared is not counted above`);
  return lines;
}

function releaseVersion(value: string): string {
  const text = value.trim();
  if (/^v[1-9]\d*$/.test(text)) return text;
  if (/^[1-9]\d*$/.test(text)) return `v${text}`;
  throw new InvalidArgumentError('must be a release version such as v2');
}

/** `skiff parallel start|report|stop SERVICE ENV`. */
export function registerParallel(program: Command, ctx: CliContext, run: RunCommand): void {
  const parallel = program.command('parallel').description('run a candidate release beside the running one on a copy of the requests, and compare');
  parallel
    .command('start')
    .description("start the candidate's instances; the router sends them a copy of the requests and compares the answers")
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .option('--release <vN>', 'the candidate: a release of the service in ENV', releaseVersion)
    // Not --version: that prints Skiff's own version.
    .option('--artifact <version>', 'the candidate: an artifact (digest, unique prefix, or latest) with ENV\'s config, as deploy takes it')
    .action((service: string, environment: string, options: { release?: string; artifact?: string }) =>
      run(async () => {
        if ((options.release === undefined) === (options.artifact === undefined)) {
          ctx.err('error: give the candidate with exactly one of --release vN or --artifact VERSION');
          return 2;
        }
        const view = await ctx.client.startParallel({
          environment,
          service,
          ...(options.release ? { release: options.release } : {}),
          ...(options.artifact ? { version: options.artifact } : {}),
        });
        ctx.out(`parallel run of ${service} in ${environment}: ${view.candidate} beside ${view.trusted}, ${view.settings.percent}% of ${view.settings.methods.join(', ')} mirrored`);
        ctx.out(`  see the differences: skiff parallel report ${service} ${environment}`);
        return 0;
      }),
    );
  parallel
    .command('report')
    .description('match rate, the endpoints whose answers differ beyond the noise with examples, and the noise left out')
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .option('--json', 'the report as JSON')
    .action((service: string, environment: string, options: { json?: boolean }) =>
      run(async () => {
        const view = await ctx.client.parallel(environment, service);
        if (options.json) ctx.out(JSON.stringify(view, null, 2));
        else for (const line of parallelLines(view)) ctx.out(line);
        return 0;
      }),
    );
  parallel
    .command('stop')
    .description("stop the parallel run: the candidate's instances go; prints the last report")
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .action((service: string, environment: string) =>
      run(async () => {
        const view = await ctx.client.stopParallel({ environment, service });
        for (const line of parallelLines(view)) ctx.out(line);
        return 0;
      }),
    );
}
