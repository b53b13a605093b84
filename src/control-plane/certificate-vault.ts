/**
 * ACME certificates and account keys in the SQLite database, encrypted with the secrets' key
 * (AES-256-GCM, each value bound to its place), so a restart serves what it had without a new order.
 */
import type Database from 'better-sqlite3';
import type { CertificateVault, StoredCertificate } from '../edge/acme/ports.js';
import type { SecretCipher } from '../store/secret-cipher.js';

const ddl = `
CREATE TABLE IF NOT EXISTS acme_certificates (
  environment TEXT NOT NULL,
  host TEXT NOT NULL,
  iv BLOB NOT NULL,
  tag BLOB NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (environment, host)
);
CREATE TABLE IF NOT EXISTS acme_accounts (
  directory TEXT NOT NULL,
  email TEXT NOT NULL,
  iv BLOB NOT NULL,
  tag BLOB NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (directory, email)
);`;

interface SealedRow {
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

export function createCertificateVault(db: Database.Database, cipher: SecretCipher, environment: string): CertificateVault {
  db.exec(ddl);
  const certificate = db.prepare<[string, string], SealedRow>('SELECT iv, tag, data FROM acme_certificates WHERE environment = ? AND host = ?');
  const saveCertificate = db.prepare(
    'INSERT OR REPLACE INTO acme_certificates (environment, host, iv, tag, data) VALUES (@environment, @host, @iv, @tag, @data)',
  );
  const account = db.prepare<[string, string], SealedRow>('SELECT iv, tag, data FROM acme_accounts WHERE directory = ? AND email = ?');
  const saveAccount = db.prepare('INSERT OR REPLACE INTO acme_accounts (directory, email, iv, tag, data) VALUES (@directory, @email, @iv, @tag, @data)');
  const certificatePlace = (host: string): string => `acme-certificate:${environment}/${host}`;
  const accountPlace = (directory: string, email: string): string => `acme-account:${directory} ${email}`;
  return {
    load(host) {
      const row = certificate.get(environment, host);
      return row ? (JSON.parse(cipher.open(row, certificatePlace(host))) as StoredCertificate) : null;
    },
    save(record) {
      saveCertificate.run({ environment, host: record.host, ...cipher.seal(JSON.stringify(record), certificatePlace(record.host)) });
    },
    accountKey(directory, email) {
      const row = account.get(directory, email);
      return row ? cipher.open(row, accountPlace(directory, email)) : null;
    },
    saveAccountKey(directory, email, pem) {
      saveAccount.run({ directory, email, ...cipher.seal(pem, accountPlace(directory, email)) });
    },
  };
}
