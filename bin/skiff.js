#!/usr/bin/env node
import { runCli } from '../dist/cli/program.js';

runCli(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err); process.exitCode = 1; },
);
