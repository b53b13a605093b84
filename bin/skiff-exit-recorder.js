#!/usr/bin/env node
// @ts-check
/**
 * Runs a command and writes how it ended to a file, so a control plane that adopted the command
 * after a restart (and so is not its parent, and cannot wait for it) learns its exit status.
 * The command shares this process's group, stdio and cgroups: signals sent to the group reach it
 * directly; this process only waits, records, and ends the same way.
 *
 * Plain JavaScript on purpose, like skiff-log-writer.js: spawned from dist/ and from the sources.
 *
 * Usage: skiff-exit-recorder.js <exit file> -- <command> [args…]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const [exitFile, separator, command, ...args] = process.argv.slice(2);
if (!exitFile || separator !== '--' || !command) {
  process.stderr.write('usage: skiff-exit-recorder.js <exit file> -- <command> [args…]\n');
  process.exit(2);
}

/** @param {{ exitCode: number | null, signal: string | null }} end */
function record(end) {
  fs.writeFileSync(`${exitFile}.tmp`, JSON.stringify(end));
  fs.renameSync(`${exitFile}.tmp`, exitFile);
}

// The group's signals are for the command; this process outlives it to record its end.
const forwarded = /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP']);
for (const signal of forwarded) process.on(signal, () => undefined);

const child = spawn(command, args, { stdio: 'inherit' });
child.on('error', (error) => {
  process.stderr.write(`cannot start ${command}: ${error.message}\n`);
  record({ exitCode: 127, signal: null });
  process.exit(127);
});
child.on('exit', (exitCode, signal) => {
  record({ exitCode, signal });
  if (signal === null) process.exit(exitCode ?? 1);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
