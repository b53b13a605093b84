// PM2 as the comparison: its own daemon in a temporary PM2_HOME, driven through its CLI.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, killPid, waitForExit } from './processes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pm2Bin = path.join(repoRoot, 'node_modules/.bin/pm2');

function run(home, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      pm2Bin,
      args,
      { env: { ...process.env, PM2_HOME: home, ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`pm2 ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Starts `script` under a fresh PM2 daemon (in cluster mode with `instances`); `stop()` kills
 * the daemon and removes its home.
 */
export async function startPm2App({ script, name, env, instances }) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-pm2-'));
  await run(home, ['start', script, '--name', name, ...(instances ? ['-i', String(instances)] : [])], env);
  const daemonPid = Number(readFileSync(path.join(home, 'pm2.pid'), 'utf8').trim());

  return {
    /** The pid of the app's current process, once PM2 reports it online. */
    async pid() {
      const apps = JSON.parse(await run(home, ['jlist']));
      const app = apps.find((a) => a.name === name);
      return app && app.pm2_env.status === 'online' && app.pid > 0 ? app.pid : undefined;
    },
    /** Processes of the app PM2 reports online. */
    async online() {
      const apps = JSON.parse(await run(home, ['jlist']));
      return apps.filter((a) => a.name === name && a.pm2_env.status === 'online').length;
    },
    /** `pm2 reload --update-env` with `env`: returns once every process was replaced. */
    async reload(env) {
      await run(home, ['reload', name, '--update-env'], env);
    },
    async stop() {
      const appPids = JSON.parse(await run(home, ['jlist']).catch(() => '[]')).map((a) => a.pid).filter((pid) => pid > 0);
      await run(home, ['kill']).catch(() => {});
      // `pm2 kill` should have stopped them all; make sure, by the pids this PM2 reported.
      for (const pid of [...appPids, daemonPid]) {
        if (pid && !(await waitForExit(pid, 5000)) && isAlive(pid)) killPid(pid);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
