import type { Command } from 'commander';
import { sleep } from '../../core/clock.js';
import { isSkiffError } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';

const pollMs = 250;
const progressEveryMs = 5000;

/** `skiff stop`: asks the server to stop everything, then waits until it no longer answers. */
export function registerStop(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('stop')
    .description('stop the Skiff server: every instance, the router and the API')
    .action(() => run(() => stop(ctx)));
}

async function stop(ctx: CliContext): Promise<number> {
  const url = ctx.client.baseUrl;
  try {
    await ctx.client.stop();
  } catch (error) {
    if (isSkiffError(error) && error.code === 'SKIFF_API_UNREACHABLE') {
      ctx.out(`no Skiff server answers at ${url}; nothing to stop`);
      return 0;
    }
    throw error;
  }
  ctx.out(`stopping Skiff at ${url}…`);
  const started = ctx.clock.now();
  let nextProgress = started + progressEveryMs;
  while (await answers(ctx)) {
    const now = ctx.clock.now();
    if (now - started >= ctx.stopTimeoutMs) {
      ctx.err(`error: the server at ${url} still answers after ${Math.round((now - started) / 1000)} s`);
      ctx.err('  hint: it may be waiting for instances to exit; check `skiff status`, or stop the `skiff up` process');
      return 1;
    }
    if (now >= nextProgress) {
      ctx.out(`still stopping… ${Math.round((now - started) / 1000)} s`);
      nextProgress += progressEveryMs;
    }
    await sleep(pollMs);
  }
  ctx.out('stopped');
  return 0;
}

async function answers(ctx: CliContext): Promise<boolean> {
  try {
    await ctx.client.health({ timeoutMs: 1000 });
    return true;
  } catch (error) {
    if (isSkiffError(error) && error.code === 'SKIFF_API_UNREACHABLE') return false;
    // Answers, just not with health (e.g. 503 while closing): still there.
    return true;
  }
}
