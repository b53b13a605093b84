/** One service in one environment: actions, instances, charts, releases, logs and its events. */
import type { EventRecord } from '../../api/control-plane.js';
import { allows } from '../../core/access.js';
import { ErrorNote, Muted, Section } from '../components/bits.js';
import { EventTimeline } from '../components/event-timeline.js';
import { InstancesTable } from '../components/instances-table.js';
import { LogView } from '../components/log-view.js';
import { ReleasesTable } from '../components/releases-table.js';
import { RolloutPanel } from '../components/rollout-panel.js';
import { ServiceCharts } from '../components/service-charts.js';
import { DeployControl, PromoteControl, ScaleControl } from '../components/service-actions.js';
import { api } from '../lib/api.js';
import { useResource } from '../lib/hooks.js';
import { promoteTargets } from '../lib/permissions.js';
import { Link, paths } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { isSettling, settlingPollMs } from '../lib/settling.js';

export function ServicePage(props: { readonly environment: string; readonly service: string }) {
  const { environment, service } = props;
  const mine = (event: EventRecord): boolean =>
    (event.environment === environment || event.environment === null) && (event.service === service || event.service === null);
  const status = useResource(() => api.status(environment), [environment], {
    refreshOn: mine,
    pollMs: (data) => (isSettling(data, service) ? settlingPollMs : undefined),
  });
  const releases = useResource(() => api.releases(environment, service), [environment, service], {
    refreshOn: (event) => mine(event) && (event.type.startsWith('release.') || event.type === 'environment.restored'),
  });
  const artifacts = useResource(() => api.artifacts(service), [service], {
    refreshOn: (event) => event.type === 'artifact.built' && event.service === service,
  });
  const environments = useResource(() => api.environments(), [], { refreshOn: (event) => event.type === 'spec.applied' });

  const session = useSession();
  const canDeploy = session !== undefined && allows(session, 'deploy', environment);
  const targets = session ? promoteTargets(session, environments.data ?? [], environment) : [];

  const summary = status.data?.services.find((s) => s.name === service);
  const instances = status.data?.instances.filter((i) => i.service === service) ?? [];
  const charted = chartedReleases(
    instances.map((i) => i.release),
    releases.data?.map((r) => r.version) ?? [],
  );
  return (
    <div class="page">
      <p class="crumbs">
        <Link href={paths.overview}>Overview</Link> / {environment} / {service}
      </p>
      <h1>
        {service} <span class="muted">in</span> {environment}
        {environment === 'production' && <span class="badge prod">production</span>}
      </h1>
      <ErrorNote error={status.error} what="the status" />
      {status.data && !summary && <Muted>{service} does not run in {environment}.</Muted>}
      {summary && (
        <div class="facts" data-testid="service-facts">
          <Fact label="release" value={summary.release} />
          <Fact label="ready" value={`${summary.ready}/${summary.desired}`} warn={summary.ready !== summary.desired} />
          <Fact label="routes" value={summary.routes.map((r) => `${r.host ?? ''}${r.path}`).join(', ') || '-'} />
        </div>
      )}
      {summary && (canDeploy || targets.length > 0) && (
        <Section title="Actions">
          <div class="controls" data-testid="actions">
            {canDeploy && <ScaleControl environment={environment} service={service} desired={summary.desired} />}
            {canDeploy && <DeployControl environment={environment} service={service} artifacts={artifacts.data ?? []} />}
            <PromoteControl environment={environment} service={service} targets={targets} />
          </div>
        </Section>
      )}
      <RolloutPanel environment={environment} service={service} canAct={canDeploy} />
      <Section title="Instances">
        <InstancesTable instances={instances} />
      </Section>
      <Section title="Traffic">
        <ServiceCharts environment={environment} service={service} releases={charted} />
      </Section>
      <Section title="Releases">
        <ErrorNote error={releases.error} what="the releases" />
        {releases.data && <ReleasesTable environment={environment} service={service} releases={releases.data} canRollBack={canDeploy} />}
      </Section>
      <div class="two-columns">
        <Section title="Logs">
          <LogView environment={environment} service={service} traceUi={status.data?.traceUi ?? null} />
        </Section>
        <Section title="Events">
          <EventTimeline query={{ environment, service }} matches={(event) => event.environment === environment && event.service === service} />
        </Section>
      </div>
    </div>
  );
}

/** The releases running now and the last few, oldest first: those that may have had traffic in the last hour. */
function chartedReleases(running: readonly string[], newestFirst: readonly string[]): readonly string[] {
  const number = (release: string): number => Number(/^v(\d+)$/.exec(release)?.[1] ?? Number.MAX_SAFE_INTEGER);
  return [...new Set([...running, ...newestFirst.slice(0, 3)])].sort((a, b) => number(a) - number(b));
}

function Fact(props: { readonly label: string; readonly value: string; readonly warn?: boolean }) {
  return (
    <div class="fact">
      <span class="fact-label">{props.label}</span>
      <span class={`fact-value ${props.warn ? 'warn' : ''}`}>{props.value}</span>
    </div>
  );
}
