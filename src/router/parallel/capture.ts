/**
 * Keeps what the client was answered for a mirrored request, while it streams through: status,
 * the raw headers, and the body up to a bound. Only mirrored exchanges carry one.
 */
import type { CapturedAnswer } from './compare.js';

/** Largest body compared; beyond, the comparison counts as too large. */
export const maxCompareBytes = 1024 * 1024;

function joinValue(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}

/** The headers of `wanted` (lowercase names) and content-type from raw name/value pairs. */
export function headersFromRaw(raw: readonly (Buffer | string)[], wanted: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    if (name !== 'content-type' && !wanted.includes(name)) continue;
    headers.set(name, joinValue(headers.get(name), String(raw[i + 1])));
  }
  return headers;
}

/** The same from a parsed header object (lowercase keys). */
export function headersFromObject(object: Readonly<Record<string, string | string[] | undefined>>, wanted: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const name of ['content-type', ...wanted]) {
    const value = object[name];
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export class AnswerCapture {
  status = 0;
  private rawHeaders: readonly Buffer[] = [];
  private chunks: Buffer[] = [];
  private size = 0;
  private tooLarge = false;

  head(status: number, rawHeaders: readonly Buffer[]): void {
    this.status = status;
    this.rawHeaders = rawHeaders;
    // A retry after a failure before any answer starts over.
    this.chunks = [];
    this.size = 0;
    this.tooLarge = false;
  }

  data(chunk: Buffer): void {
    if (this.tooLarge) return;
    this.size += chunk.length;
    if (this.size > maxCompareBytes) {
      this.tooLarge = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }

  answer(wanted: readonly string[]): CapturedAnswer {
    return {
      status: this.status,
      headers: headersFromRaw(this.rawHeaders, wanted),
      body: this.tooLarge ? null : Buffer.concat(this.chunks, this.size),
    };
  }
}
