/** Where the dashboard keeps the bearer token: the browser's localStorage, one key. */

export interface TokenStorage {
  read(): string | null;
  write(token: string): void;
  clear(): void;
}

const key = 'skiff.token';

export const browserTokenStorage: TokenStorage = {
  read() {
    try {
      return window.localStorage.getItem(key);
    } catch {
      // Storage can be disabled (privacy settings): the person then signs in on every load.
      return null;
    }
  },
  write(token) {
    try {
      window.localStorage.setItem(key, token);
    } catch {
      // See read().
    }
  },
  clear() {
    try {
      window.localStorage.removeItem(key);
    } catch {
      // See read().
    }
  },
};

/** For node tests and for a browser without storage. */
export function memoryTokenStorage(initial: string | null = null): TokenStorage {
  let token = initial;
  return {
    read: () => token,
    write: (value) => void (token = value),
    clear: () => void (token = null),
  };
}
