/**
 * CLI: builds the local Node.js base image (`skiff-node-base:<major>`) from this machine's node
 * binary. `node dist/drivers/docker/build-base-image.js [--tag name:tag] [--node /path/to/node] [--force]`
 * The engine is found through DOCKER_HOST or /var/run/docker.sock.
 */
import { parseArgs } from 'node:util';
import { isSkiffError } from '../../core/errors.js';
import { ensureBaseImage } from './base-image.js';
import { connectEngine, engineUnavailableError, probeEngine } from './engine.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tag: { type: 'string' }, node: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  // A composition root, like main/: it reads the one variable it needs.
  const dockerHost = process.env.DOCKER_HOST;
  const address = dockerHost ? { dockerHost } : {};
  const docker = connectEngine(address);
  const status = await probeEngine(docker);
  if (!status.reachable) throw engineUnavailableError(address, status.reason);
  const image = await ensureBaseImage(docker, {
    ...(values.tag ? { tag: values.tag } : {}),
    ...(values.node ? { nodePath: values.node } : {}),
    force: values.force ?? false,
  });
  console.log(`${image.tag} ${image.id} (${image.built ? 'built' : 'already up to date'})`);
}

main().catch((error: unknown) => {
  if (isSkiffError(error)) console.error(`${error.code}: ${error.message}${error.hint ? `\n${error.hint}` : ''}`);
  else console.error(error);
  process.exitCode = 1;
});
