/** The dashboard's entry: the session (a stored token checked first), then the page for the current path. */
import { render } from 'preact';
import { App } from './app.js';
import { createDashboardClient, describeError, onUnauthorized } from './lib/api.js';
import { SessionContext, SessionStore } from './lib/session.js';
import { ensureStreamIteration } from './lib/stream-iteration.js';
import { browserTokenStorage } from './lib/token-store.js';
import './styles.css';

ensureStreamIteration();
const sessions = new SessionStore({
  storage: browserTokenStorage,
  verify: (token) => createDashboardClient({ token }).session(),
  describe: describeError,
});
onUnauthorized((message) => sessions.rejected(message));
void sessions.start();

const root = document.getElementById('app');
if (root) {
  render(
    <SessionContext.Provider value={sessions}>
      <App />
    </SessionContext.Provider>,
    root,
  );
}
