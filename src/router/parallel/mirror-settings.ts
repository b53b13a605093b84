/**
 * A route's mirror compiled once per table: which requests are copied (method, and a
 * deterministic share: 5% is 5 of every 100 eligible requests per worker) and how answers are
 * compared.
 */
import type { RouteMirror } from '../../core/route-table.js';
import { compileIgnoreFields, type IgnoreTree } from './json-diff.js';

export class MirrorSettings {
  readonly candidateRelease: string;
  readonly percent: number;
  readonly methods: ReadonlySet<string>;
  readonly compareHeaders: readonly string[];
  readonly ignore: IgnoreTree;
  /** Accumulates `percent` per eligible request; a copy is due each time it reaches 100. */
  private credit: number;
  /** Rotates the choice of the second trusted instance. */
  noiseCursor = 0;

  constructor(mirror: RouteMirror, previous?: MirrorSettings) {
    this.candidateRelease = mirror.candidateRelease;
    this.percent = mirror.percent;
    this.methods = new Set(mirror.methods.map((method) => method.toUpperCase()));
    this.compareHeaders = mirror.compareHeaders.map((name) => name.toLowerCase());
    this.ignore = compileIgnoreFields(mirror.ignoreFields);
    this.credit = previous !== undefined && previous.percent === mirror.percent ? previous.credit : 0;
  }

  /** Whether this request (of an eligible size) is copied; counts it towards the share. */
  select(method: string): boolean {
    if (this.percent <= 0 || !this.methods.has(method)) return false;
    this.credit += this.percent;
    if (this.credit < 100) return false;
    this.credit -= 100;
    return true;
  }
}
