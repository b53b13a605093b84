/** The dashboard's entry: one event stream for every view, and the page for the current path. */
import { render } from 'preact';
import { App } from './app.js';
import { createDashboardClient } from './lib/api.js';
import { EventHub } from './lib/event-hub.js';
import { EventHubContext } from './lib/hooks.js';
import { ensureStreamIteration } from './lib/stream-iteration.js';
import './styles.css';

ensureStreamIteration();
const hub = new EventHub((onOpen) => createDashboardClient({ onResponse: (response) => onOpen(response.ok) }));
hub.start();

const root = document.getElementById('app');
if (root) {
  render(
    <EventHubContext.Provider value={hub}>
      <App />
    </EventHubContext.Provider>,
    root,
  );
}
