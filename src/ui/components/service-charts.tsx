/** Request rate, error rate and latency of one service over the last hour, from the metrics history. */
import { useMemo } from 'preact/hooks';
import type { SeriesMetric, SeriesPoint } from '../../api/monitoring-port.js';
import { alignSeries } from '../lib/align-series.js';
import { api, isNotServed } from '../lib/api.js';
import { useResource } from '../lib/hooks.js';
import { ErrorNote, Muted } from './bits.js';
import { MetricChart } from './metric-chart.js';

const windowMs = 60 * 60_000;
/** The history has 10 s points: refetching more often shows nothing new. */
const refreshMs = 10_000;
const metrics = ['rps', 'errorRate', 'p50', 'p99'] as const satisfies readonly SeriesMetric[];

type History = Readonly<Record<(typeof metrics)[number], readonly SeriesPoint[]>>;

export function ServiceCharts(props: { readonly environment: string; readonly service: string }) {
  const { environment, service } = props;
  const history = useResource<History | null>(
    async () => {
      const from = Date.now() - windowMs;
      try {
        const lists = await Promise.all(metrics.map((metric) => api.series({ environment, service, metric, resolution: '10s', from })));
        return { rps: lists[0] ?? [], errorRate: lists[1] ?? [], p50: lists[2] ?? [], p99: lists[3] ?? [] };
      } catch (error) {
        if (isNotServed(error)) return null;
        throw error;
      }
    },
    [environment, service],
    { refreshOn: () => false, pollMs: (data) => (data === null ? undefined : refreshMs) },
  );
  const data = history.data;
  const aligned = useMemo(
    () =>
      data && {
        rps: alignSeries([data.rps]),
        errorRate: alignSeries([data.errorRate], 100),
        latency: alignSeries([data.p50, data.p99], 1000),
      },
    [data],
  );
  if (data === null) return <Muted>This server keeps no metrics history.</Muted>;
  return (
    <div>
      <ErrorNote error={history.error} what="the metrics history" />
      {data && data.rps.length === 0 && <Muted>No traffic recorded in the last hour: send requests through the router to see it here.</Muted>}
      {aligned && (
        <div class="charts" data-testid="charts">
          <MetricChart title="Requests per second" unit="/s" lines={[{ label: 'req/s', color: '#2563eb' }]} data={aligned.rps} />
          <MetricChart title="Error rate (5xx)" unit="%" lines={[{ label: 'errors', color: '#dc2626' }]} data={aligned.errorRate} />
          <MetricChart
            title="Latency"
            unit="ms"
            lines={[
              { label: 'p50', color: '#059669' },
              { label: 'p99', color: '#d97706' },
            ]}
            data={aligned.latency}
          />
        </div>
      )}
    </div>
  );
}
