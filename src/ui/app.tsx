import { useStreamState } from './lib/hooks.js';
import { Link, matchPage, paths, usePath, type Page } from './lib/router.js';
import { OverviewPage } from './pages/overview.js';
import { PipelinesPage } from './pages/pipelines.js';
import { ServicePage } from './pages/service.js';

export function App() {
  const page = matchPage(usePath());
  return (
    <>
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
          <a href="/api/openapi.json">API</a>
        </nav>
        <LiveIndicator />
      </header>
      <main>
        <PageView page={page} />
      </main>
    </>
  );
}

function PageView(props: { readonly page: Page }) {
  const { page } = props;
  switch (page.kind) {
    case 'overview':
      return <OverviewPage />;
    case 'pipelines':
      return <PipelinesPage />;
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
