/**
 * The certificate authority over ACME (RFC 8555) with the `acme-client` package: an account per
 * key, an order per certificate, HTTP-01 or TLS-ALPN-01 answered through the router's challenge board.
 */
import { Agent } from 'node:https';
import * as acme from 'acme-client';
import { reachDirectory } from './directory-reach.js';
import type { CertificateAuthority, ChallengeAnswer, ChallengeBoard, IssueRequest } from './ports.js';

export interface AcmeClientAuthorityOptions {
  /**
   * PEM CA certificates trusted for the directory's HTTPS in addition to the system's (a test
   * CA such as pebble's). acme-client has one HTTP client per process, so this applies to every
   * ACME request of the process, and to nothing else.
   */
  readonly trust?: string;
  /** Polling of pending challenges and orders (acme-client's backoff). */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
}

/** Why an order failed, in the CA's words (its problem document's detail when it sent one). */
export class AcmeProblem extends Error {}

export function createAcmeClientAuthority(options: AcmeClientAuthorityOptions = {}): CertificateAuthority {
  const agent = options.trust !== undefined ? new Agent({ ca: options.trust, keepAlive: true }) : undefined;
  if (agent) acme.axios.defaults.httpsAgent = agent;
  return {
    async createAccountKey() {
      return (await acme.crypto.createPrivateEcdsaKey()).toString();
    },
    async issue(request, board) {
      const client = new acme.Client({
        directoryUrl: request.directory,
        accountKey: request.accountKey,
        backoffMin: options.pollMinMs ?? 1_000,
        backoffMax: options.pollMaxMs ?? 10_000,
        backoffAttempts: 10,
      });
      try {
        await reachDirectory(request.directory, agent);
        return await order(client, request, board);
      } catch (error) {
        throw error instanceof AcmeProblem ? error : new AcmeProblem((error as Error).message);
      }
    },
  };
}

async function order(client: acme.Client, request: IssueRequest, board: ChallengeBoard): Promise<{ cert: string; key: string }> {
  // Registers the key, or finds the account it already has (the same key always names one account).
  await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${request.email}`] });
  const created = await client.createOrder({ identifiers: request.hosts.map((host) => ({ type: 'dns', value: host })) });
  for (const authorization of await client.getAuthorizations(created)) {
    // A CA may reuse an authorization it validated recently.
    if (authorization.status === 'valid') continue;
    // acme-client's types know http-01 and dns-01 only; a CA offers tls-alpn-01 the same way.
    const challenge = authorization.challenges.find((candidate) => (candidate.type as string) === request.challenge);
    if (!challenge) throw new AcmeProblem(`the CA offers no ${request.challenge} challenge for ${authorization.identifier.value}`);
    const answer = await answerFor(request, authorization, challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await board.put(answer);
    try {
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
    } finally {
      await board.remove(answer);
    }
  }
  const [key, csr] = await acme.crypto.createCsr({ altNames: [...request.hosts] }, await acme.crypto.createPrivateEcdsaKey());
  const finalized = await client.finalizeOrder(created, csr);
  return { cert: await client.getCertificate(finalized), key: key.toString() };
}

/** The router's answer to one challenge: the key authorization over HTTP, or the challenge certificate for the handshake. */
async function answerFor(request: IssueRequest, authorization: acme.Authorization, token: string, keyAuthorization: string): Promise<ChallengeAnswer> {
  switch (request.challenge) {
    case 'http-01':
      return { kind: 'http-01', token, keyAuthorization };
    case 'tls-alpn-01': {
      const [key, cert] = await acme.crypto.createAlpnCertificate(authorization, keyAuthorization, await acme.crypto.createPrivateEcdsaKey());
      return { kind: 'tls-alpn-01', host: authorization.identifier.value.toLowerCase(), cert: cert.toString(), key: key.toString() };
    }
  }
}
