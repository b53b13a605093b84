/** The sign-in form: paste a token; says where the local admin's token is and how to make one. */
import { useState } from 'preact/hooks';
import { useSessionState, useSignIn } from '../lib/session.js';

export function SignIn() {
  const signIn = useSignIn();
  const state = useSessionState();
  const [token, setToken] = useState('');
  // A kept token is being checked: no form to flash before the dashboard appears.
  if (state.kind === 'checking' && state.problem === undefined && token === '') {
    return (
      <div class="signin-page">
        <p class="muted" data-testid="signing-in">
          Signing in…
        </p>
      </div>
    );
  }
  // While a kept token waits for an unreachable server, another one may be pasted.
  const checking = state.kind === 'checking' && state.problem === undefined;
  const problem = state.kind === 'signed-in' ? undefined : state.problem;
  return (
    <div class="signin-page">
      <form
        class="card signin"
        data-testid="sign-in-form"
        onSubmit={(event) => {
          event.preventDefault();
          void signIn(token);
        }}
      >
        <h1>Sign in to Skiff</h1>
        <label for="token">Token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="skiff_…"
          value={token}
          data-testid="token"
          onInput={(event) => setToken((event.target as HTMLInputElement).value)}
        />
        <button type="submit" class="button primary" disabled={checking} data-testid="sign-in">
          {checking ? 'Checking…' : 'Sign in'}
        </button>
        {problem && (
          <p class="error-note" role="alert" data-testid="sign-in-error">
            {problem}
          </p>
        )}
        <div class="signin-help muted small">
          <p>
            <code>skiff up</code> writes the local admin's token to <code>&lt;data dir&gt;/token</code>: <code>.skiff/token</code> where it was
            started, or <code>$SKIFF_DATA/token</code>. Copy it with <code>cat .skiff/token</code>.
          </p>
          <p>
            For someone else, an admin runs <code>skiff token create NAME --role viewer|deployer|admin [--env ENV]</code>, which prints a new
            token once.
          </p>
          <p>The token stays in this browser until you sign out.</p>
        </div>
      </form>
    </div>
  );
}
