/** Every environment: its services (release, ready/desired, routes, last deployment, traffic) and instances. */
import type { EventRecord, ReleaseSummary, ServiceRollout, ServiceStatus, StatusReport } from '../../api/control-plane.js';
import type { AlertView, TopView } from '../../api/monitoring-port.js';
import { ErrorNote, Muted, Section, StateBadge } from '../components/bits.js';
import { InstancesTable } from '../components/instances-table.js';
import { api, isNotServed } from '../lib/api.js';
import { age, latency, percent, perSecond, shortDigest } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';
import { Link, paths } from '../lib/router.js';
import { isIdle, isSettling, rolloutState, settlingPollMs } from '../lib/settling.js';

export function OverviewPage() {
  const environments = useResource(() => api.environments(), [], {
    refreshOn: (event) => event.type === 'spec.applied' || event.type === 'environment.restored',
  });
  return (
    <div class="page">
      <h1>Overview</h1>
      <ErrorNote error={environments.error} what="the environments" />
      {environments.data?.length === 0 && <Muted>Nothing applied yet: run `skiff apply` or `skiff up` with a spec.</Muted>}
      <FiringAlerts />
      {environments.data?.map((environment) => <EnvironmentSection key={environment} environment={environment} />)}
    </div>
  );
}

/** Alerts firing now, across environments; refreshed on every alert event. */
function FiringAlerts() {
  const alerts = useResource<readonly AlertView[]>(
    () => api.alerts({ state: 'firing' }).catch((error: unknown) => (isNotServed(error) ? [] : Promise.reject(error))),
    [],
    { refreshOn: (event) => event.type.startsWith('alert.') },
  );
  const now = useNow();
  if (!alerts.data?.length) return null;
  return (
    <Section id="alerts" title="Alerts firing">
      <table class="alerts">
        <tbody>
          {alerts.data.map((alert) => (
            <tr key={`${alert.environment}/${alert.name}`} class={`alert ${alert.severity}`}>
              <td>
                {/* Badge colours of the instance states: red for critical, amber for warning. */}
                <span class={`badge state-${alert.severity === 'critical' ? 'crashed' : 'unhealthy'}`}>{alert.severity}</span>
              </td>
              <td>{alert.name}</td>
              <td>{alert.environment}</td>
              <td>
                <code>{alert.expr}</code>
              </td>
              <td class="muted">{alert.since ? `for ${age(alert.since, now)}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

interface EnvironmentView {
  readonly status: StatusReport;
  readonly current: Readonly<Record<string, ReleaseSummary | undefined>>;
}

async function loadEnvironment(environment: string): Promise<EnvironmentView> {
  const status = await api.status(environment);
  const lists = await Promise.all(status.services.map((service) => api.releases(environment, service.name)));
  const current: Record<string, ReleaseSummary | undefined> = {};
  status.services.forEach((service, index) => {
    current[service.name] = lists[index]?.find((release) => release.current);
  });
  return { status, current };
}

// Every `rollout.*` event names its environment: the last deployments follow them live.
const touches = (environment: string) => (event: EventRecord) => event.environment === environment || event.environment === null;

/** A timed pause or an analysis window ends without an event: poll while a rollout moves on its own. */
const rolloutPollMs = 3_000;
const rolloutMoving = (status: StatusReport | undefined): boolean =>
  status?.services.some((service) => service.rollout?.active === true && service.rollout.waitsFor === null) ?? false;

/** The service's rollout, when it is what brought (or is bringing, or failed to bring) the release it runs. */
function lastRollout(service: ServiceStatus): ServiceRollout | null {
  const { rollout } = service;
  if (!rollout) return null;
  return rollout.active || rollout.next === service.release || rollout.stable === service.release ? rollout : null;
}

function RolloutSummary(props: { readonly rollout: ServiceRollout; readonly now: number }) {
  const { rollout, now } = props;
  const state = rollout.active ? rollout.phase : (rollout.result ?? rollout.phase);
  const weight = rollout.weights?.[rollout.next];
  return (
    <span data-testid="last-rollout" data-phase={state} data-release={rollout.next}>
      {rollout.strategy} {rollout.stable} → {rollout.next} <StateBadge state={state} />
      {rollout.active && (
        <span class="muted">
          {' '}
          step {rollout.step}/{rollout.steps}
          {weight === undefined ? '' : `, ${weight}% on ${rollout.next}`}
          {rollout.waitsFor && ` · waits for ${rollout.waitsFor}`}
        </span>
      )}
      <span class="muted">
        {' '}
        · {rollout.author}, {age(rollout.finishedAt ?? rollout.startedAt, now)} ago
      </span>
    </span>
  );
}

function EnvironmentSection(props: { readonly environment: string }) {
  const { environment } = props;
  const view = useResource(() => loadEnvironment(environment), [environment], {
    refreshOn: touches(environment),
    pollMs: (data) => (isSettling(data?.status) ? settlingPollMs : rolloutMoving(data?.status) ? rolloutPollMs : undefined),
  });
  const top = useResource<TopView | null>(
    () => api.top(environment).catch((error: unknown) => (isNotServed(error) ? null : Promise.reject(error))),
    [environment],
    { refreshOn: () => false, pollMs: (data) => (data === null ? undefined : 5_000) },
  );
  const now = useNow();
  const status = view.data?.status;
  const traffic = new Map((top.data?.services ?? []).map((row) => [row.service, row]));
  return (
    <Section
      id={`env-${environment}`}
      title={
        <>
          <span class="env-name">{environment}</span>
          {environment === 'production' && <span class="badge prod">production</span>}
        </>
      }
      aside={
        status?.revision && (
          <span class="muted" data-testid="revision">
            revision {status.revision.id}
            {status.revision.commit && <span class="mono" title={status.revision.commit}> · commit {status.revision.commit.slice(0, 12)}</span>} · {status.revision.author} ·{' '}
            {age(status.revision.createdAt, now)} ago
            {status.sync && <span title={status.sync.error ?? undefined}> · git {status.sync.state}</span>}
          </span>
        )
      }
    >
      <ErrorNote error={view.error} what={`the status of ${environment}`} />
      {status && status.services.length === 0 && <Muted>No services in this environment.</Muted>}
      {status && isIdle(status) && status.services.length > 0 && (
        <p class="muted">
          Not running on this server:{' '}
          {status.services.map((s, index) => (
            <span key={s.name}>
              {index > 0 && ', '}
              <Link href={paths.service(environment, s.name)}>{s.name}</Link>
            </span>
          ))}
          . Deploy or promote into it, or start it with `skiff up --env {environment}`.
        </p>
      )}
      {status && !isIdle(status) && status.services.length > 0 && (
        <table class="table services" data-testid={`services-${environment}`}>
          <thead>
            <tr>
              <th>service</th>
              <th>release</th>
              <th class="num">ready</th>
              <th>routes</th>
              <th>last deployment</th>
              <th class="num">req/s</th>
              <th class="num">errors</th>
              <th class="num">p99</th>
            </tr>
          </thead>
          <tbody>
            {status.services.map((service) => {
              const release = view.data?.current[service.name];
              const rollout = lastRollout(service);
              const row = traffic.get(service.name);
              const healthy = service.ready === service.desired;
              return (
                <tr key={service.name} data-service={service.name}>
                  <td>
                    <Link href={paths.service(environment, service.name)} class="strong">
                      {service.name}
                    </Link>
                  </td>
                  <td>
                    {service.release}
                    {release && <span class="muted small"> {shortDigest(release.artifact)}</span>}
                  </td>
                  <td class="num">
                    <span class={healthy ? 'ok' : 'warn'} data-testid="ready">
                      {service.ready}/{service.desired}
                    </span>
                  </td>
                  <td class="mono small">{service.routes.map((route) => `${route.host ?? ''}${route.path}`).join(', ') || '-'}</td>
                  <td class="small">
                    {rollout ? (
                      <RolloutSummary rollout={rollout} now={now} />
                    ) : release ? (
                      <>
                        {release.reason} by {release.author}, {age(release.createdAt, now)} ago{' '}
                        <StateBadge state={rolloutState(status, service.name)} />
                      </>
                    ) : (
                      '-'
                    )}
                  </td>
                  <td class="num">{perSecond(row?.rps)}</td>
                  <td class="num">{percent(row?.errorRate)}</td>
                  <td class="num">{latency(row?.p99)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {status && !isIdle(status) && (
        <details class="instances-block" open={status.instances.length > 0 && status.instances.length <= 12}>
          <summary>
            {status.instances.length} instance{status.instances.length === 1 ? '' : 's'}
            {!status.limits.enforced && status.limits.reason && <span class="muted"> · limits not enforced: {status.limits.reason}</span>}
          </summary>
          <InstancesTable instances={status.instances} showService />
        </details>
      )}
    </Section>
  );
}
