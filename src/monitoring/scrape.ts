/** One scrape of everything: the control plane's registry and every environment router's metrics. */
import { mergeExpositions, renderFamilies } from './prom-text.js';
import type { SkiffMetrics } from './skiff-metrics.js';
import type { EnvironmentSample, MonitoringSources } from './sources.js';

export async function sampleAll(sources: MonitoringSources, usage: boolean): Promise<EnvironmentSample[]> {
  const settled = await Promise.allSettled(sources.environments().map((environment) => sources.sample(environment, { usage })));
  return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
}

/** The Prometheus text of one scrape: Skiff's families first, then the routers' merged. */
export async function scrapeText(metrics: SkiffMetrics, samples: readonly EnvironmentSample[], now: number): Promise<string> {
  metrics.setSamples(samples, now);
  const own = await metrics.text();
  const routers = mergeExpositions(
    samples.flatMap((sample) => (sample.routerMetrics === null ? [] : [{ environment: sample.environment, text: sample.routerMetrics }])),
  );
  return `${own.endsWith('\n') || own === '' ? own : `${own}\n`}${renderFamilies(routers)}`;
}
