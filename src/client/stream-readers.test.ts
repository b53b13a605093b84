import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines, readServerSentEvents, type ServerSentEvent } from './stream-readers.js';

function bodyOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

/** Splits `text` at the given byte offsets, possibly inside a multi-byte character. */
function splitBytes(text: string, cuts: readonly number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    parts.push(bytes.slice(start, point));
    start = point;
  }
  return parts;
}

function byteBody(parts: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

describe('readLines', () => {
  it('yields the same lines however the body is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !/[\r\n]/.test(s) && s.trim() !== ''), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (lines, cuts) => {
          const seen: string[] = [];
          await readLines(byteBody(splitBytes(lines.map((l) => `${l}\n`).join(''), cuts)), (line) => seen.push(line));
          expect(seen).toEqual(lines);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a last line without a newline and skips blank lines', async () => {
    const seen: string[] = [];
    await readLines(bodyOf(['{"a":1}\r\n\n{"b"', ':2}']), (line) => seen.push(line));
    expect(seen).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('readServerSentEvents', () => {
  it('parses ids, multi-line data and skips comments', async () => {
    const seen: ServerSentEvent[] = [];
    await readServerSentEvents(bodyOf([': connected\n\n', 'id: 7\nda', 'ta: {"x":1}\n\nevent: custom\ndata: a\ndata: b\n\n']), (e) =>
      seen.push(e),
    );
    expect(seen).toEqual([
      { id: '7', event: 'message', data: '{"x":1}' },
      { id: '7', event: 'custom', data: 'a\nb' },
    ]);
  });
});
