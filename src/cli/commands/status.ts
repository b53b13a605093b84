import type { Command } from 'commander';
import type { ServiceRollout, ServiceStatus, StatusReport } from '../../api/control-plane.js';
import type { CertificateView } from '../../api/certificate-port.js';
import { SkiffError } from '../../core/errors.js';
import { certificateWarnings } from '../certificate-display.js';
import type { CliContext, RunCommand } from '../context.js';
import { dash, formatAge, formatTable } from '../output.js';

/** A finished rollout stays in the text this long; `--json` always carries each service's last one. */
const recentRolloutMs = 60 * 60_000;

/** `skiff status [--env E] [--json]`: services and instances of one environment. */
export function registerStatus(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('status')
    .description('show the services and instances of an environment')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .option('--json', 'print JSON for scripts')
    .action((options: { env?: string; json?: boolean }) => run(() => status(ctx, options)));
}

async function status(ctx: CliContext, options: { env?: string; json?: boolean }): Promise<number> {
  const environment = options.env ?? ctx.config.environment;
  const report = await ctx.client.status(environment);
  const certificates = await ctx.client.certificates(environment).catch(withoutCertificates);
  if (options.json) {
    const { environment, limits, services, instances, ...rest } = report;
    ctx.out(JSON.stringify({ environment, limits, services, instances, ...rest, certificates }, null, 2));
    return 0;
  }
  for (const line of formatReport(report, ctx.clock.now(), certificates)) ctx.out(line);
  return 0;
}

/** A server that serves no certificate list, or a token that may not read it: the status shows without them. */
function withoutCertificates(error: unknown): readonly CertificateView[] {
  if (error instanceof SkiffError && (error.code === 'SKIFF_NOT_FOUND' || error.code === 'SKIFF_FORBIDDEN')) return [];
  throw error;
}

/** `certificates`: the environment's, whose problems (failing, expired, expiring soon) come right after the first line. */
export function formatReport(report: StatusReport, now: number, certificates: readonly CertificateView[] = []): string[] {
  const revision = report.revision
    ? `revision ${report.revision.id} by ${report.revision.author}`
    : 'no revision applied';
  const lines = [`environment ${report.environment} · ${revision} · router ${report.routerUrl}`];
  const warnings = certificateWarnings(certificates);
  if (warnings.length > 0) lines.push(...warnings, `  details: skiff certs --env ${report.environment}`);
  if (report.unavailable) {
    const { unavailable } = report;
    lines.push(`unavailable since ${unavailable.since}: ${unavailable.message} [${unavailable.code}] (tried again meanwhile)`);
    if (unavailable.hint) lines.push(`  hint: ${unavailable.hint}`);
  }
  if (report.sync) {
    const { sync } = report;
    lines.push(`git sync: ${sync.state}${sync.commit ? ` at ${sync.commit.slice(0, 12)}` : ''}${sync.error ? ` (${sync.error})` : ''}; details: skiff sync status ${report.environment}`);
  }
  if (!report.limits.enforced) lines.push(`resource limits: not enforced (${report.limits.reason ?? 'unknown reason'})`);
  if (report.functionPool) {
    const pool = report.functionPool;
    lines.push(`function pool: ${pool.warm} warm of ${pool.size}, ${Math.round(pool.memoryBytes / (1024 * 1024))} MiB`);
  }
  lines.push('');
  if (report.services.length === 0) lines.push('no services');
  else {
    lines.push(
      ...formatTable(
        ['SERVICE', 'DESIRED', 'READY', 'RELEASE'],
        report.services.map((s) => [s.name, String(s.desired), String(s.ready), s.release]),
      ),
    );
    for (const service of report.services) {
      const autoscale = autoscaleLine(service);
      if (autoscale) lines.push(autoscale);
      const { rollout } = service;
      if (rollout && (rollout.active || (rollout.finishedAt !== null && now - Date.parse(rollout.finishedAt) < recentRolloutMs))) {
        lines.push(...rolloutLines(service.name, report.environment, rollout, now));
      }
    }
  }
  lines.push('');
  if (report.instances.length === 0) lines.push('no instances');
  else lines.push(...instanceLines(report, now));
  return lines;
}

/** The instances; those on other machines (pods on Kubernetes nodes) show their node and address instead of a pid and port. */
function instanceLines(report: StatusReport, now: number): string[] {
  const remote = report.instances.some((instance) => instance.node);
  const lines = formatTable(
    ['INSTANCE', 'SERVICE', 'RELEASE', 'STATE', ...(remote ? ['NODE', 'ADDRESS'] : ['PID', 'PORT']), 'RESTARTS', 'AGE'],
    report.instances.map((i) => [
      i.id,
      i.service,
      i.release,
      i.state,
      ...(remote ? [dash(i.node), dash(i.address)] : [dash(i.pid), dash(i.port)]),
      String(i.restarts),
      i.startedAt ? formatAge(now - Date.parse(i.startedAt)) : '-',
    ]),
  );
  for (const instance of report.instances) {
    if (instance.reason && instance.state !== 'ready') lines.push(`  ${instance.id}: ${instance.reason}`);
  }
  return lines;
}

/** `  catalog: 3 instances (autoscale 1–10, concurrency 4.2/20 per instance)`, or `scaled to zero`. */
export function autoscaleLine(service: ServiceStatus): string | null {
  const scaling = service.autoscale;
  if (!scaling) return null;
  const unit = scaling.measure === 'cpu' ? '%' : '';
  const observed = scaling.observed === null ? '-' : scaling.observed.toFixed(1);
  const figures = `autoscale ${scaling.min}–${scaling.max}, ${scaling.measure} ${observed}${unit}/${scaling.target}${unit} per instance${scaling.mode === 'panic' ? ', panic' : ''}`;
  const count = scaling.scaledToZero ? 'scaled to zero' : `${scaling.desired} instance${scaling.desired === 1 ? '' : 's'}`;
  return `  ${service.name}: ${count} (${figures})`;
}

/** `rollout canary v3→v4 step 2/5 weight 25% (analysing)`: where a service's rollout stands. */
export function rolloutSummary(rollout: ServiceRollout): string {
  const state = rollout.active ? rollout.phase : (rollout.result ?? rollout.phase);
  const step = rollout.steps > 1 ? ` step ${rollout.step}/${rollout.steps}` : '';
  const weight = rollout.weights ? ` weight ${rollout.weights[rollout.next] ?? 0}%` : '';
  return `rollout ${rollout.strategy} ${rollout.stable}→${rollout.next}${step}${weight} (${state})`;
}

function rolloutLines(service: string, environment: string, rollout: ServiceRollout, now: number): string[] {
  const ago = rollout.finishedAt ? `, ${formatAge(now - Date.parse(rollout.finishedAt))} ago` : '';
  const lines = [`  ${service}: ${rolloutSummary(rollout)}${ago}`];
  if (rollout.waitsFor) lines.push(`    waits for a person: skiff rollout ${rollout.waitsFor} ${service} ${environment}`);
  else if (rollout.phase === 'aborted' || rollout.result === 'aborted') lines.push(`    ${rollout.reason}`);
  return lines;
}
