/**
 * Who is signed in. A token is checked against the server (`GET /api/v1/session`) before it is
 * kept; any 401 later (revoked, expired) signs the person out with the server's reason.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Session } from '../../client/api-client.js';
import { SkiffError } from '../../core/errors.js';
import type { TokenStorage } from './token-store.js';

export type { Session };

export type SessionState =
  /** `problem`: the stored token could not be checked yet (server unreachable); it is retried. */
  | { readonly kind: 'checking'; readonly problem?: string }
  | { readonly kind: 'signed-out'; readonly problem?: string }
  | { readonly kind: 'signed-in'; readonly session: Session };

export interface SessionStoreDeps {
  readonly storage: TokenStorage;
  /** The session the token belongs to; throws the server's error when the token is not accepted. */
  readonly verify: (token: string) => Promise<Session>;
  readonly describe: (error: unknown) => string;
  /** Waits between checks of a stored token while the server cannot answer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const retryMs = { first: 1_000, max: 10_000 } as const;

/** Only the server saying no to the token drops it; an unreachable server is waited for. */
const isRejection = (error: unknown): boolean => error instanceof SkiffError && error.code === 'SKIFF_UNAUTHORIZED';

export class SessionStore {
  private readonly listeners = new Set<(state: SessionState) => void>();
  private attempt = 0;
  state: SessionState;

  constructor(private readonly deps: SessionStoreDeps) {
    this.state = deps.storage.read() ? { kind: 'checking' } : { kind: 'signed-out' };
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Checks the stored token, if any, until the server answers: a restart of the server or a
   * network blip does not sign anyone out.
   */
  async start(): Promise<void> {
    const token = this.deps.storage.read();
    if (!token) return;
    const mine = ++this.attempt;
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let wait: number = retryMs.first; ; wait = Math.min(wait * 2, retryMs.max)) {
      try {
        const session = await this.deps.verify(token);
        if (mine === this.attempt) this.set({ kind: 'signed-in', session });
        return;
      } catch (error) {
        if (mine !== this.attempt) return;
        if (isRejection(error)) {
          this.deps.storage.clear();
          this.set({ kind: 'signed-out', problem: this.deps.describe(error) });
          return;
        }
        this.set({ kind: 'checking', problem: `${this.deps.describe(error)}; trying again` });
      }
      await sleep(wait);
      if (mine !== this.attempt) return;
    }
  }

  /** Resolves once the state says whether the token was accepted. */
  async signIn(rawToken: string): Promise<void> {
    const token = rawToken.trim();
    if (!token) {
      this.set({ kind: 'signed-out', problem: 'Paste a token to sign in.' });
      return;
    }
    const mine = ++this.attempt;
    this.set({ kind: 'checking' });
    try {
      const session = await this.deps.verify(token);
      if (mine !== this.attempt) return;
      this.deps.storage.write(token);
      this.set({ kind: 'signed-in', session });
    } catch (error) {
      if (mine !== this.attempt) return;
      // A refused token replaces any kept one: a reload must not sign in as someone else.
      if (isRejection(error)) this.deps.storage.clear();
      this.set({ kind: 'signed-out', problem: this.deps.describe(error) });
    }
  }

  signOut(): void {
    this.attempt += 1;
    this.deps.storage.clear();
    this.set({ kind: 'signed-out' });
  }

  /** A request with the kept token got 401. */
  rejected(message: string): void {
    if (this.state.kind !== 'signed-in') return;
    this.attempt += 1;
    this.deps.storage.clear();
    this.set({ kind: 'signed-out', problem: `Signed out: ${message}` });
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}

export const SessionContext = createContext<SessionStore | null>(null);

function useStore(): SessionStore {
  const store = useContext(SessionContext);
  if (!store) throw new Error('SessionContext is not provided');
  return store;
}

export function useSessionState(): SessionState {
  const store = useStore();
  const [state, setState] = useState(store.state);
  useEffect(() => {
    setState(store.state);
    return store.subscribe(setState);
  }, [store]);
  return state;
}

export function useSignIn(): (token: string) => Promise<void> {
  const store = useStore();
  return (token) => store.signIn(token);
}

export function useSignOut(): () => void {
  const store = useStore();
  return () => store.signOut();
}

/** The signed-in person's session; only rendered inside the signed-in app. */
export function useSession(): Session | undefined {
  const state = useSessionState();
  return state.kind === 'signed-in' ? state.session : undefined;
}
