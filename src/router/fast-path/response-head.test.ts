import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedBody, ChunkScan } from './chunked-body.js';
import { ParsedResponse, parseResponseHead, ResponseOutcome } from './response-head.js';

function parse(text: string): { outcome: ResponseOutcome; response: ParsedResponse } {
  const response = new ParsedResponse();
  return { outcome: parseResponseHead(Buffer.from(text, 'latin1'), 0, response), response };
}

describe('parseResponseHead', () => {
  it('reads status and framing and drops hop-by-hop headers, including those named in Connection', () => {
    const { outcome, response } = parse(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n' +
        'Keep-Alive: timeout=5\r\nContent-Length: 12\r\nProxy-Thing: p\r\nSet-Cookie: a=1\r\n\r\nhello world!',
    );
    expect(outcome).toBe(ResponseOutcome.Complete);
    expect(response).toMatchObject({
      status: 200,
      statusText: '200 OK',
      contentLength: 12,
      chunked: false,
      close: false,
      keepAliveMs: 5_000,
      kept: 'Content-Type: text/plain\r\nContent-Length: 12\r\nSet-Cookie: a=1\r\n',
    });
  });

  it('keeps chunked framing, notices a closing connection and HTTP/1.0', () => {
    const chunked = parse('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    expect(chunked.response).toMatchObject({ status: 404, chunked: true, close: true, contentLength: -1, kept: 'Transfer-Encoding: chunked\r\n' });
    expect(parse('HTTP/1.0 200 OK\r\nServer: old\r\n\r\n').response).toMatchObject({ close: true, contentLength: -1, chunked: false });
    expect(parse('HTTP/1.1 204\r\n\r\n').response).toMatchObject({ status: 204, statusText: '204' });
  });

  it('waits for the rest of a head cut anywhere', () => {
    const text = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n';
    for (let cut = 0; cut < text.length; cut++) expect(parse(text.slice(0, cut)).outcome, `cut at ${cut}`).toBe(ResponseOutcome.Partial);
    expect(parse(text).outcome).toBe(ResponseOutcome.Complete);
  });

  it.each([
    ['length and chunked', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['two lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n'],
    ['a length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n'],
    ['another transfer coding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
    ['a bad version', 'HTTP/2.0 200 OK\r\n\r\n'],
    ['a bad status', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['a folded header', 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n'],
    ['a control byte', 'HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n'],
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
  ])('refuses an answer with %s', (_what, text) => {
    expect(parse(text).outcome).toBe(ResponseOutcome.Bad);
  });
});

function chunkedText(pieces: readonly string[], trailers = ''): string {
  return `${pieces.map((p) => `${p.length.toString(16)};ext=1\r\n${p}\r\n`).join('')}0\r\n${trailers}\r\n`;
}

describe('ChunkedBody', () => {
  it('finds the end of a chunked body and counts its data bytes, however the bytes are split', () => {
    const body = chunkedText(['hello', '', 'x'.repeat(300), 'world'].filter((p) => p !== ''), 'Expires: never\r\n');
    const text = `${body}GARBAGE-AFTER`;
    const buf = Buffer.from(text, 'latin1');
    for (let cut = 0; cut <= body.length; cut++) {
      const scanner = new ChunkedBody();
      let end = scanner.scan(buf, 0, cut);
      let data = scanner.takeDataBytes();
      if (end === ChunkScan.More) {
        end = scanner.scan(buf, cut, buf.length);
        data += scanner.takeDataBytes();
      }
      expect(end, `cut at ${cut}`).toBe(body.length);
      expect(data).toBe(310);
    }
  });

  it('refuses broken framing', () => {
    for (const text of ['zz\r\n', '5\r\nhelloX\r\n', '5\nhello', '5\r\nhello\r\n0\r\n\rX', '1234567890abc\r\n']) {
      const scanner = new ChunkedBody();
      expect(scanner.scan(Buffer.from(text, 'latin1'), 0, text.length), text).toBe(ChunkScan.Malformed);
    }
  });

  it('agrees with the chunk sizes for any chunking of any data', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
        const ascii = pieces.map((p) => p.replace(/[^ -~]/g, 'a'));
        const body = Buffer.from(chunkedText(ascii), 'latin1');
        const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
        const scanner = new ChunkedBody();
        let start = 0;
        let end: number = ChunkScan.More;
        for (const point of [...points, body.length]) {
          if (point < start) continue;
          end = scanner.scan(body, start, point);
          if (end !== ChunkScan.More) break;
          start = point;
        }
        expect(end).toBe(body.length);
      }),
    );
  });
});
