/** uPlot wants one shared x axis (seconds) and one y array per line, null where a line has no point. */
import type { SeriesPoint } from '../../api/monitoring-port.js';

export type AlignedData = [number[], ...(number | null)[][]];

export function alignSeries(lines: readonly (readonly SeriesPoint[])[], scale = 1): AlignedData {
  const times = [...new Set(lines.flatMap((points) => points.map((point) => point.time)))].sort((a, b) => a - b);
  const index = new Map(times.map((time, i) => [time, i]));
  const ys = lines.map((points) => {
    const values: (number | null)[] = times.map(() => null);
    for (const point of points) values[index.get(point.time) ?? 0] = point.value * scale;
    return values;
  });
  return [times.map((time) => time / 1000), ...ys];
}
