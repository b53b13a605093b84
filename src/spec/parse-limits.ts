/**
 * The bounds on what the spec parser reads. They keep parsing time and memory linear in a file
 * no real spec comes near: a hostile or broken file is refused with SKIFF_SPEC_LIMIT_EXCEEDED,
 * naming the limit and where it was crossed, instead of holding the control plane.
 */
import type { ErrorDetail } from '../core/errors.js';

export const specLimits = {
  /** Bytes of YAML text (UTF-8). */
  bytes: 512 * 1024,
  /** Mappings and lists inside one another. */
  nesting: 64,
  /** Keys, values and list items as written. */
  nodes: 100_000,
  /** `*name` references. */
  aliases: 1_000,
  /** Nodes once every alias is replaced by what it refers to ("billion laughs"). */
  expandedNodes: 200_000,
} as const;

export type SpecLimit = keyof typeof specLimits;

export interface LimitBreach {
  readonly limit: SpecLimit;
  /** Offset in the text where the limit was crossed. */
  readonly offset: number;
}

const what: Record<SpecLimit, { readonly message: (limit: string) => string; readonly hint: string }> = {
  bytes: {
    message: (limit) => `the file is larger than ${limit} bytes (limit "bytes")`,
    hint: 'split the system into several specs, or move large values out of the file',
  },
  nesting: {
    message: (limit) => `mappings and lists are nested more than ${limit} deep here (limit "nesting")`,
    hint: 'flatten the structure: a spec needs only a few levels',
  },
  nodes: {
    message: (limit) => `the file has more than ${limit} keys, values and list items (limit "nodes")`,
    hint: 'split the system into several specs, or move large values out of the file',
  },
  aliases: {
    message: (limit) => `the file uses more than ${limit} aliases (*name) (limit "aliases")`,
    hint: 'use fewer aliases: merge the repeated parts with `<<: *name` once per mapping, or expand them',
  },
  expandedNodes: {
    message: (limit) => `aliases here expand the file to more than ${limit} nodes (limit "expandedNodes")`,
    hint: 'use fewer aliases of large anchored values, and no aliases of values that are themselves built from aliases',
  },
};

export function limitDetail(breach: LimitBreach, position: ErrorDetail['position']): ErrorDetail {
  const text = what[breach.limit];
  return {
    code: 'SKIFF_SPEC_LIMIT_EXCEEDED',
    message: text.message(specLimits[breach.limit].toLocaleString('en-US')),
    ...(position ? { position } : {}),
    hint: text.hint,
  };
}
