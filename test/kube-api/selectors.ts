/** Label selectors (`a=b,c!=d,e in (f,g),h,!i`) and field selectors (`metadata.name=x`), as the real server parses them. */
import { badRequest } from './status.js';

export type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

/** Splits on commas outside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

export function parseLabelSelector(selector: string): readonly Requirement[] {
  return splitTerms(selector).map((term): Requirement => {
    const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1] ?? '', values };
    }
    const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
    if (cmp) return { op: cmp[2] === '!=' ? 'neq' : 'eq', key: cmp[1] ?? '', value: cmp[3] ?? '' };
    const exists = /^(!?)([^\s!=()]+)$/.exec(term);
    if (exists) return { op: exists[1] === '!' ? 'notexists' : 'exists', key: exists[2] ?? '' };
    throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

export function matchesRequirements(requirements: readonly Requirement[], lookup: (key: string) => string | undefined): boolean {
  return requirements.every((r) => {
    const value = lookup(r.key);
    switch (r.op) {
      case 'eq':
        return value === r.value;
      case 'neq':
        return value !== r.value;
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'notexists':
        return value === undefined;
    }
  });
}

/** A field selector supports `=`, `==` and `!=` on dotted paths (`metadata.name`, `status.phase`, `involvedObject.name`). */
export function parseFieldSelector(selector: string): readonly Requirement[] {
  const requirements = parseLabelSelector(selector);
  for (const r of requirements) if (r.op !== 'eq' && r.op !== 'neq') throw badRequest(`invalid selector: '${selector}'; can't understand '${r.key}'`);
  return requirements;
}

export function fieldValue(object: unknown, path: string): string | undefined {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return '';
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

/** matchLabels + matchExpressions of a LabelSelector object (as in Deployment.spec.selector). */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export function selectorObjectMatches(selector: LabelSelectorObject | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ op: 'eq', key, value }));
  for (const e of selector.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' } as const)[e.operator as 'In'];
    if (op === 'in' || op === 'notin') requirements.push({ op, key: e.key, values: e.values ?? [] });
    else if (op) requirements.push({ op, key: e.key });
  }
  return requirements.length > 0 && matchesRequirements(requirements, (k) => labels[k]);
}

/** The string form the scale subresource reports in status.selector. */
export function selectorToString(selector: LabelSelectorObject | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
