import { useEffect, useMemo } from 'preact/hooks';
import { SignIn } from './components/sign-in.js';
import { Who } from './components/who.js';
import { createDashboardClient } from './lib/api.js';
import { EventHub } from './lib/event-hub.js';
import { EventHubContext, useStreamState } from './lib/hooks.js';
import { Link, matchPage, paths, usePath, type Page } from './lib/router.js';
import { useSessionState } from './lib/session.js';
import { AuditPage } from './pages/audit.js';
import { CertificatesPage } from './pages/certificates.js';
import { FlagsPage } from './pages/flags.js';
import { JobsPage } from './pages/jobs.js';
import { OverviewPage } from './pages/overview.js';
import { PipelinesPage } from './pages/pipelines.js';
import { ServicePage } from './pages/service.js';

/** The sign-in form until a token is accepted, then the dashboard. */
export function App() {
  const state = useSessionState();
  switch (state.kind) {
    case 'signed-in':
      return <SignedIn key={`${state.session.name}/${state.session.role}/${String(state.session.environments)}`} />;
    case 'checking':
    case 'signed-out':
      return (
        <>
          <header class="topbar">
            <span class="brand">Skiff</span>
          </header>
          <main>
            <SignIn />
          </main>
        </>
      );
  }
}

/** One event stream for every view while signed in; signing out stops it. */
function SignedIn() {
  const hub = useMemo(() => new EventHub((onOpen) => createDashboardClient({ onResponse: (response) => onOpen(response.ok) })), []);
  useEffect(() => {
    hub.start();
    return () => hub.stop();
  }, [hub]);
  const page = matchPage(usePath());
  return (
    <EventHubContext.Provider value={hub}>
      <header class="topbar">
        <Link href={paths.overview} class="brand">
          Skiff
        </Link>
        <nav>
          <Link href={paths.overview} class={page.kind === 'overview' || page.kind === 'service' ? 'active' : ''}>
            Overview
          </Link>
          <Link href={paths.pipelines} class={page.kind === 'pipelines' ? 'active' : ''}>
            Pipelines
          </Link>
          <Link href={paths.jobs} class={page.kind === 'jobs' ? 'active' : ''}>
            Jobs
          </Link>
          <Link href={paths.flags} class={page.kind === 'flags' ? 'active' : ''}>
            Flags
          </Link>
          <Link href={paths.certificates} class={page.kind === 'certificates' ? 'active' : ''}>
            Certificates
          </Link>
          <Link href={paths.audit} class={page.kind === 'audit' ? 'active' : ''}>
            Audit
          </Link>
          <a href="/api/openapi.json">API</a>
        </nav>
        <LiveIndicator />
        <Who />
      </header>
      <main>
        <PageView page={page} />
      </main>
    </EventHubContext.Provider>
  );
}

function PageView(props: { readonly page: Page }) {
  const { page } = props;
  switch (page.kind) {
    case 'overview':
      return <OverviewPage />;
    case 'pipelines':
      return <PipelinesPage />;
    case 'jobs':
      return <JobsPage />;
    case 'flags':
      return <FlagsPage />;
    case 'certificates':
      return <CertificatesPage />;
    case 'audit':
      return <AuditPage />;
    case 'service':
      return <ServicePage key={`${page.environment}/${page.service}`} environment={page.environment} service={page.service} />;
    case 'not-found':
      return (
        <div class="page">
          <h1>Not found</h1>
          <p class="muted">Nothing at {page.path}.</p>
        </div>
      );
  }
}

function LiveIndicator() {
  const state = useStreamState();
  const text = { live: 'live', connecting: 'connecting…', offline: 'offline: retrying' }[state];
  return (
    <span class={`live live-${state}`} data-testid="live" data-state={state} title="the event stream that keeps this page current">
      {text}
    </span>
  );
}
