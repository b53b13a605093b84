/**
 * A small reader and writer of the Prometheus text format (0.0.4), enough to merge the routers'
 * exposition into the control plane's and to read counters and histograms back for history and
 * alerts. Not a general parser: it reads what Skiff's own writers produce.
 */

export interface Sample {
  /** Full sample name, e.g. `skiff_router_request_duration_seconds_bucket`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type: string;
  help: string;
  readonly samples: Sample[];
}

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const suffixes = ['_bucket', '_sum', '_count', '_total', '_created'];

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The family a sample belongs to: its declared name, or its name less a known suffix. */
function familyOf(name: string, families: Map<string, Family>): Family {
  let family = families.get(name);
  if (family) return family;
  for (const suffix of suffixes) {
    if (name.endsWith(suffix)) {
      family = families.get(name.slice(0, -suffix.length));
      if (family) return family;
    }
  }
  family = { name, type: 'untyped', help: '', samples: [] };
  families.set(name, family);
  return family;
}

/** Families in order of first appearance. */
export function parsePrometheusText(text: string): Family[] {
  const families = new Map<string, Family>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (!match) continue;
      const name = match[2] as string;
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
      if (match[1] === 'HELP') family.help = match[3] ?? '';
      else family.type = match[3] ?? 'untyped';
      continue;
    }
    const match = samplePattern.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(labelPattern)) labels[label[1] as string] = unescape(label[2] as string);
    const name = match[1] as string;
    familyOf(name, families).samples.push({ name, labels, value: parseValue(match[4] as string) });
  }
  return [...families.values()];
}

function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function renderFamilies(families: readonly Family[]): string {
  const out: string[] = [];
  for (const family of families) {
    if (family.help) out.push(`# HELP ${family.name} ${family.help}`);
    out.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
      out.push(`${sample.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(sample.value)}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * Merges several expositions (one per environment's router) into one: each family appears once,
 * and samples without an `environment` label get the one of their source, so equal series of
 * two routers do not collide.
 */
export function mergeExpositions(sources: readonly { readonly environment: string; readonly text: string }[]): Family[] {
  const merged = new Map<string, Family>();
  for (const source of sources) {
    for (const family of parsePrometheusText(source.text)) {
      let into = merged.get(family.name);
      if (!into) {
        into = { name: family.name, type: family.type, help: family.help, samples: [] };
        merged.set(family.name, into);
      }
      for (const sample of family.samples) {
        const labels = 'environment' in sample.labels ? sample.labels : { ...sample.labels, environment: source.environment };
        into.samples.push({ ...sample, labels });
      }
    }
  }
  return [...merged.values()];
}
