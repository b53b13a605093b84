import type { Command } from 'commander';
import type { RolloutAction } from '../../api/rollout-port.js';
import type { CliContext, RunCommand } from '../context.js';
import { followRollout, rolloutHeadline, rolloutLines } from '../rollout-display.js';

const actions: Record<RolloutAction, string> = {
  promote: 'skip the remaining canary steps, or switch a blue-green rollout to the new release (once switched: stop the old one now)',
  pause: 'hold the rollout where it is',
  resume: 'go on with a paused rollout, or past a `pause: {}` step',
  abort: 'roll back to the stable release: all traffic back, the new instances drained',
  undo: 'go back to the stable release (after a blue-green switch: while the old release is kept)',
};

/** `skiff rollout status|promote|pause|resume|abort|undo SERVICE ENV`. */
export function registerRollout(program: Command, ctx: CliContext, run: RunCommand): void {
  const rollout = program.command('rollout').description("see and steer a service's rollout in an environment");
  rollout
    .command('status')
    .description('the rollout under way (else the last one): strategy, steps, weights, matches, analyses with their figures')
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .option('-w, --watch', 'follow every change until the rollout is over (Ctrl-C stops)')
    .option('--json', 'the rollout as JSON')
    .action((service: string, environment: string, options: { watch?: boolean; json?: boolean }) =>
      run(async () => {
        const view = await ctx.client.rollout(environment, service);
        if (options.json) {
          ctx.out(JSON.stringify(view, null, 2));
          return 0;
        }
        for (const line of rolloutLines(view)) ctx.out(line);
        if (!options.watch || !view.active) return 0;
        const last = await followRollout(ctx, { environment, service, release: view.next.release, throughPauses: true });
        if (last) ctx.out(rolloutHeadline(last));
        return 0;
      }),
    );
  for (const [action, description] of Object.entries(actions) as [RolloutAction, string][]) {
    rollout
      .command(action)
      .description(description)
      .argument('<service>', 'the service')
      .argument('<env>', 'the environment')
      .action((service: string, environment: string) =>
        run(async () => {
          const view = await ctx.client.rolloutAction({ environment, service, action });
          ctx.out(`${action} asked of the rollout of ${service} ${view.next.release} in ${environment}`);
          ctx.out(`  ${rolloutHeadline(view)}`);
          return 0;
        }),
      );
  }
}
