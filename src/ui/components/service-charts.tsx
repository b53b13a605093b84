/**
 * Request rate, error rate and latency of one service over the last hour, from the metrics
 * history: one line per release, so a canary's errors or slowness stand beside the stable's; and
 * its instances over the same hour, ready against desired (what the autoscaler decided).
 */
import { useMemo } from 'preact/hooks';
import type { SeriesMetric, SeriesPoint } from '../../api/monitoring-port.js';
import { alignSeries } from '../lib/align-series.js';
import { api, isNotServed } from '../lib/api.js';
import { useResource } from '../lib/hooks.js';
import { ErrorNote, Muted } from './bits.js';
import { MetricChart, type ChartLine } from './metric-chart.js';

const windowMs = 60 * 60_000;
/** The history has 10 s points: refetching more often shows nothing new. */
const refreshMs = 10_000;
const metrics = ['rps', 'errorRate', 'p50', 'p99'] as const satisfies readonly SeriesMetric[];
type Metric = (typeof metrics)[number];
const palette = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#db2777', '#0891b2'] as const;

interface ReleaseHistory {
  readonly release: string;
  readonly series: Readonly<Record<Metric, readonly SeriesPoint[]>>;
}

interface ServiceHistory {
  readonly releases: readonly ReleaseHistory[];
  readonly ready: readonly SeriesPoint[];
  readonly desired: readonly SeriesPoint[];
}

async function loadRelease(environment: string, service: string, release: string, from: number): Promise<ReleaseHistory> {
  const lists = await Promise.all(metrics.map((metric) => api.series({ environment, service, release, metric, resolution: '10s', from })));
  return { release, series: { rps: lists[0] ?? [], errorRate: lists[1] ?? [], p50: lists[2] ?? [], p99: lists[3] ?? [] } };
}

/** `releases`: the ones to draw, newest last (those without traffic in the window are left out). */
export function ServiceCharts(props: { readonly environment: string; readonly service: string; readonly releases: readonly string[] }) {
  const { environment, service } = props;
  const releasesKey = props.releases.join(',');
  const history = useResource<ServiceHistory | null>(
    async () => {
      const from = Date.now() - windowMs;
      try {
        const [all, ready, desired] = await Promise.all([
          Promise.all(props.releases.map((release) => loadRelease(environment, service, release, from))),
          api.series({ environment, service, metric: 'ready', resolution: '10s', from }),
          api.series({ environment, service, metric: 'desired', resolution: '10s', from }),
        ]);
        return { releases: all.filter((entry) => entry.series.rps.length > 0), ready, desired };
      } catch (error) {
        if (isNotServed(error)) return null;
        throw error;
      }
    },
    [environment, service, releasesKey],
    { refreshOn: () => false, pollMs: (data) => (data === null ? undefined : refreshMs) },
  );
  const data = history.data?.releases ?? (history.data === null ? null : undefined);
  const instances = useMemo(() => {
    const loaded = history.data;
    if (!loaded || loaded.ready.length === 0) return undefined;
    return {
      lines: [
        { label: 'ready', color: palette[2] },
        { label: 'desired', color: palette[0], dashed: true },
      ],
      data: alignSeries([loaded.ready, loaded.desired]),
      latestReady: loaded.ready.at(-1)?.value ?? 0,
    };
  }, [history.data]);
  const charts = useMemo(() => {
    if (!data) return undefined;
    const lines = (suffix: string): ChartLine[] =>
      data.map((entry, index) => ({ label: `${entry.release}${suffix}`, color: palette[index % palette.length] ?? '#2563eb' }));
    const pick = (metric: Metric) => data.map((entry) => entry.series[metric]);
    return {
      rps: { lines: lines(''), data: alignSeries(pick('rps')) },
      errorRate: { lines: lines(''), data: alignSeries(pick('errorRate'), 100) },
      latency: {
        lines: [...lines(' p99'), ...lines(' p50').map((line) => ({ ...line, dashed: true }))],
        data: alignSeries([...pick('p99'), ...pick('p50')], 1000),
      },
    };
  }, [data]);
  if (data === null) return <Muted>This server keeps no metrics history.</Muted>;
  return (
    <div>
      <ErrorNote error={history.error} what="the metrics history" />
      {data && data.length === 0 && <Muted>No traffic recorded in the last hour: send requests through the router to see it here.</Muted>}
      {charts && data && data.length > 0 && (
        <div class="charts" data-testid="charts" data-releases={data.map((entry) => entry.release).join(',')}>
          <MetricChart title="Requests per second, per release" unit="/s" lines={charts.rps.lines} data={charts.rps.data} />
          <MetricChart title="Error rate (5xx), per release" unit="%" lines={charts.errorRate.lines} data={charts.errorRate.data} />
          <MetricChart title="Latency p99 and p50 (dashed), per release" unit="ms" lines={charts.latency.lines} data={charts.latency.data} />
        </div>
      )}
      {instances && (
        <div class="charts" data-testid="instances-chart" data-ready={instances.latestReady}>
          <MetricChart title="Instances: ready, and desired (dashed)" unit="" lines={instances.lines} data={instances.data} />
        </div>
      )}
    </div>
  );
}
