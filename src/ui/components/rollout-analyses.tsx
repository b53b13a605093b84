/** The analyses a rollout ran: per release the figures of the window, each check against its limit, the verdict. */
import type { AnalysisView, RolloutView } from '../../api/rollout-port.js';
import { percent } from '../lib/format.js';
import { StateBadge } from './bits.js';

type ReleaseFigures = AnalysisView['canary'];
type CheckResult = AnalysisView['checks'][number];

export function RolloutAnalyses(props: { readonly view: RolloutView }) {
  const { view } = props;
  if (view.analyses.length === 0) return null;
  const newestFirst = [...view.analyses].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return (
    <div class="analyses" data-testid="analyses">
      {newestFirst.map((analysis, index) => (
        <details key={`${analysis.step}/${analysis.at}`} class="analysis" open={index === 0} data-outcome={analysis.outcome}>
          <summary>
            analysis <span class="strong">{analysis.name}</span> at step {analysis.step + 1} <StateBadge state={analysis.outcome} />{' '}
            <span class="muted small">{analysis.reason}</span>
          </summary>
          <AnalysisFigures analysis={analysis} stable={view.stable.release} next={view.next.release} />
        </details>
      ))}
    </div>
  );
}

function AnalysisFigures(props: { readonly analysis: AnalysisView; readonly stable: string; readonly next: string }) {
  const { analysis } = props;
  const seconds = Math.max(0, Math.round((Date.parse(analysis.at) - Date.parse(analysis.since)) / 1000));
  return (
    <div>
      <table class="table figures" data-testid="analysis-figures">
        <thead>
          <tr>
            <th>release</th>
            <th class="num">requests</th>
            <th class="num">errors</th>
            <th class="num">error rate</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          <FiguresRow release={`${props.next} (new)`} figures={analysis.canary} />
          {analysis.stable && <FiguresRow release={`${props.stable} (stable)`} figures={analysis.stable} />}
        </tbody>
      </table>
      <p class="muted small">
        Window of {seconds}s; at least {analysis.minRequests} requests of the new release are needed for a verdict.
      </p>
      {analysis.checks.length > 0 && (
        <table class="table checks" data-testid="analysis-checks">
          <thead>
            <tr>
              <th>check</th>
              <th class="num">measured</th>
              <th class="num">limit</th>
              <th>outcome</th>
              <th>detail</th>
            </tr>
          </thead>
          <tbody>
            {analysis.checks.map((check) => (
              <tr key={check.metric} data-outcome={check.outcome}>
                <td class="mono">{check.metric}</td>
                <td class="num">{checkValue(check, check.value)}</td>
                <td class="num">{checkValue(check, check.limit)}</td>
                <td>
                  <StateBadge state={check.outcome} />
                </td>
                <td class="small">{check.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function FiguresRow(props: { readonly release: string; readonly figures: ReleaseFigures }) {
  const { figures } = props;
  return (
    <tr>
      <td>{props.release}</td>
      <td class="num">{figures.requests}</td>
      <td class="num">{figures.errors}</td>
      <td class="num">{percent(figures.errorRate)}</td>
      <td class="num">{ms(figures.p50)}</td>
      <td class="num">{ms(figures.p95)}</td>
      <td class="num">{ms(figures.p99)}</td>
    </tr>
  );
}

function ms(value: number | null): string {
  return value === null ? '-' : `${Number(value.toFixed(value < 10 ? 1 : 0))}ms`;
}

/** A check's figure in its unit: a share, milliseconds, a ratio to the stable release, or a p-value. */
function checkValue(check: CheckResult, value: number | null): string {
  if (value === null) return '-';
  if (check.metric === 'errorRate') return percent(value);
  if (check.metric.endsWith('/stable')) return `${Number(value.toFixed(2))}×`;
  if (/^p\d+$/.test(check.metric)) return ms(value);
  return String(Number(value.toPrecision(3)));
}
