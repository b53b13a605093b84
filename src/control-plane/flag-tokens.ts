/**
 * What instances get to evaluate flags with the stock OpenFeature providers: the OFREP endpoint
 * (Skiff's API) and a token of the `flags` role for their environment, made by the control plane
 * on first use and kept in its store, so a restart hands instances the same one.
 */
import type { FlagStore } from '../store/flag-store.js';
import type { TokenStore } from '../store/token-store.js';

export interface EvaluationTokensDeps {
  readonly tokens: Pick<TokenStore, 'create' | 'verify' | 'find' | 'revoke'>;
  readonly store: Pick<FlagStore, 'evaluationToken' | 'saveEvaluationToken'>;
  /** The API's base URL as instances reach it, e.g. http://127.0.0.1:7070. */
  readonly endpoint: string;
}

export class EvaluationTokens {
  constructor(private readonly deps: EvaluationTokensDeps) {}

  /**
   * OFREP_ENDPOINT and OFREP_HEADERS are the names OFREP's configuration proposal gives (ADR 0007);
   * OPENFEATURE_OFREP_ENDPOINT is the same URL under the name Skiff documents.
   */
  env(environment: string): Record<string, string> {
    const token = this.token(environment);
    return {
      OFREP_ENDPOINT: this.deps.endpoint,
      OPENFEATURE_OFREP_ENDPOINT: this.deps.endpoint,
      OFREP_HEADERS: `Authorization=Bearer ${token}`,
      OPENFEATURE_OFREP_TOKEN: token,
    };
  }

  /** The environment's evaluation token: the kept one while it is valid, else a new one. */
  token(environment: string): string {
    const kept = this.deps.store.evaluationToken(environment);
    if (kept && this.deps.tokens.verify(kept.token)) return kept.token;
    const name = `skiff-flags-${environment}`;
    // Revoked by an admin, or kept in a store that was lost: its secret is gone, make another.
    if (this.deps.tokens.find(name)) this.deps.tokens.revoke(name);
    const created = this.deps.tokens.create({ name, role: 'flags', environments: [environment], createdBy: 'skiff' });
    this.deps.store.saveEvaluationToken(environment, { name, token: created.token });
    return created.token;
  }
}
