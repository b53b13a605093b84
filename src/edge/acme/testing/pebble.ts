/**
 * Test helper: Debian's pebble (a real ACME CA) and its mock DNS (pebble-challtestsrv) on
 * 127.0.0.1, every name resolving to 127.0.0.1 unless a test says otherwise, so pebble validates
 * HTTP-01 against the router on `httpPort` and TLS-ALPN-01 on `tlsPort`. Its HTTPS certificate
 * is made here with openssl and trusted only by the ACME client. Not part of the build.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../../router/test-fixtures.js';

export interface Pebble {
  readonly directory: string;
  /** Pebble's HTTPS certificate (PEM), to trust in the ACME client. */
  readonly trust: string;
  /** Makes `host` resolve to `address` (where nothing may listen: its validation fails). */
  pointHost(host: string, address: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  readonly dir: string;
  /** The port pebble validates HTTP-01 on: the router's plain HTTP port. */
  readonly httpPort: number;
  /** The port pebble validates TLS-ALPN-01 on: the router's HTTPS port (default: one where nothing listens). */
  readonly tlsPort?: number;
  /** Lifetime of the certificates it issues, in seconds. */
  readonly validitySeconds?: number;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGKILL');
  return exited;
}

/** Makes pebble's HTTPS certificate and key in `dir` (once); the certificate's path, a CA file to trust. */
export async function makePebbleCertificate(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, 'pebble-cert.pem');
  if (existsSync(certFile)) return certFile;
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=pebble test', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'pebble-key.pem'), '-out', certFile,
  ]);
  return certFile;
}

export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const certFile = await makePebbleCertificate(options.dir);
  const keyFile = join(options.dir, 'pebble-key.pem');
  const [listen, management, dns, dnsManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const tlsPort = options.tlsPort ?? (await freePort());
  const config = join(options.dir, 'pebble-config.json');
  await writeFile(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: certFile,
        privateKey: keyFile,
        httpPort: options.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
      },
    }),
  );
  let output = '';
  const capture = (child: ChildProcess): ChildProcess => {
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return child;
  };
  const resolver = capture(
    spawn('pebble-challtestsrv', [
      '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
      '-management', `127.0.0.1:${dnsManagement}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' };
  delete env.PEBBLE_VA_ALWAYS_VALID;
  const pebble = capture(spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dns}`], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const stop = async (): Promise<void> => {
    await stopChild(pebble);
    await stopChild(resolver);
  };
  const trust = await readFile(certFile, 'utf8');
  const directory = `https://127.0.0.1:${listen}/dir`;
  try {
    await waitFor(async () => {
      if (pebble.exitCode !== null || resolver.exitCode !== null) throw new Error(`pebble exited:\n${output}`);
      return (await getStatus(directory, trust)) === 200;
    }, 20_000, 'pebble to serve its directory');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    directory,
    trust,
    output: () => output,
    stop,
    async pointHost(host, address) {
      const answer = await fetch(`http://127.0.0.1:${dnsManagement}/add-a`, {
        method: 'POST',
        body: JSON.stringify({ host: `${host}.`, addresses: [address] }),
      });
      if (!answer.ok) throw new Error(`challtestsrv refused add-a: ${answer.status}`);
    },
  };
}
