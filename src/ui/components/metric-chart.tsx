/** A uPlot line chart that follows its container's width and updates in place. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AlignedData } from '../lib/align-series.js';

export interface ChartLine {
  readonly label: string;
  readonly color: string;
  /** Dashed, for a second figure of the same release (p50 beside p99). */
  readonly dashed?: boolean;
}

/** With one point uPlot would stretch the time axis far beyond it: show ten minutes around it instead. */
function timeRange(u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  const times = u.data[0];
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return [min, max];
  return last - first < 60 ? [first - 300, last + 300] : [first, last];
}

const height = 160;

export function MetricChart(props: { readonly title: string; readonly unit: string; readonly lines: readonly ChartLine[]; readonly data: AlignedData }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const linesKey = props.lines.map((line) => `${line.label}:${line.color}:${line.dashed ? 1 : 0}`).join('|');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: timeRange } },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f4' } },
        { stroke: '#6b7280', grid: { stroke: '#eef0f4' }, size: 56, values: (_u, values) => values.map((v) => `${v}${props.unit}`) },
      ],
      series: [
        {},
        ...props.lines.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 1.5,
          // uPlot draws points only while they are sparse: a release's first minutes show as dots.
          points: { size: 6 },
          ...(line.dashed ? { dash: [5, 4] } : {}),
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '-' : `${Number(v.toFixed(2))}${props.unit}`),
        })),
      ],
    };
    const chart = new uPlot(options, props.data as uPlot.AlignedData, element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the lines change; new data goes through setData below.
  }, [linesKey, props.unit]);

  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data]);

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div class="chart-frame">
        <div ref={container} />
        {props.data[0].length === 0 && <div class="chart-empty">no data in the last hour</div>}
      </div>
    </figure>
  );
}
