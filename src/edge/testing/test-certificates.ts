/**
 * Certificates for the edge's tests, made with the openssl command in a scratch folder: one test
 * CA, and leaf certificates it signs for the given hosts (EC P-256: quick to make). Not part of the build.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestCa {
  /** The CA certificate, PEM: what clients trust. */
  readonly pem: string;
  readonly path: string;
  /** A leaf for `hosts` (the first is its CN), valid for `days` (2 unless given); `expired`: valid only in January 2020. */
  issue(name: string, hosts: readonly string[], options?: { readonly expired?: boolean; readonly days?: number }): Promise<TestCertificate>;
}

const caConfig = `[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
default_md = sha256
policy = anything
copy_extensions = copy
rand_serial = yes
unique_subject = no
[anything]
commonName = supplied
`;

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function createTestCa(dir: string): Promise<TestCa> {
  await writeFile(join(dir, 'ca.cnf'), caConfig);
  await writeFile(join(dir, 'index.txt'), '');
  await run('openssl', ['req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '400', '-subj', '/O=Skiff Tests/CN=Skiff Test CA'], { cwd: dir });
  const path = join(dir, 'ca.pem');
  // `openssl ca` keeps a database in the folder: one issue at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const issueNow = async (name: string, hosts: readonly string[], expired: boolean, days: number): Promise<TestCertificate> => {
    const san = hosts.map((host) => `DNS:${host}`).join(',');
    await run('openssl', ['req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${hosts[0]}`, '-addext', `subjectAltName=${san}`], { cwd: dir });
    const dates = expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', String(days)];
    await run('openssl', ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext', ...dates], { cwd: dir });
    const certPath = join(dir, `${name}.pem`);
    const keyPath = join(dir, `${name}.key`);
    return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  };
  return {
    pem: await readFile(path, 'utf8'),
    path,
    issue: (name, hosts, options = {}) => {
      const issued = queue.then(() => issueNow(name, hosts, options.expired === true, options.days ?? 2));
      queue = issued.catch(() => {});
      return issued;
    },
  };
}
