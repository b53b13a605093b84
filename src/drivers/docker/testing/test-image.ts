/**
 * Test images for the docker driver tests, built on the local base image (built once, then
 * reused by tag). The driver tests' instance program listens on 127.0.0.1; in a container it must
 * listen on every address to be reachable through the published port, so the copy in the image
 * listens on 0.0.0.0.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { ensureBaseImage } from '../base-image.js';
import { connectEngine, probeEngine } from '../engine.js';
import { buildImage, inspectImage } from '../image-build.js';

export const TEST_SERVER_PATH = '/app/server.mjs';

/** Whether an engine answers; with the reason when not. */
export async function engineForTests(): Promise<{ docker: Docker; reachable: true } | { reachable: false; reason: string }> {
  const docker = connectEngine({});
  const status = await probeEngine(docker, 3000);
  return status.reachable ? { docker, reachable: true } : { reachable: false, reason: status.reason };
}

/** Builds (once per content) an image holding `serverScript` at /app/server.mjs; returns its tag. */
export async function ensureTestServerImage(docker: Docker, serverScript: string): Promise<string> {
  const original = await readFile(serverScript, 'utf8');
  const source = original.replace(/\.listen\(Number\(process\.env\.PORT\), '127\.0\.0\.1'/, ".listen(Number(process.env.PORT), '0.0.0.0'");
  if (source === original) throw new Error('the test server no longer listens the expected way; update test-image.ts');
  const base = await ensureBaseImage(docker);
  const dockerfile = `FROM ${base.id}\nCOPY server.mjs ${TEST_SERVER_PATH}\nCMD ["node", "${TEST_SERVER_PATH}"]\n`;
  const tag = `skiff-test-server:${createHash('sha256').update(dockerfile).update(source).digest('hex').slice(0, 16)}`;
  if ((await inspectImage(docker, tag)) !== null) return tag;
  await buildImage(docker, {
    tag,
    entries: [
      { kind: 'file', path: 'Dockerfile', content: dockerfile },
      { kind: 'file', path: 'server.mjs', content: source },
    ],
  });
  return tag;
}
