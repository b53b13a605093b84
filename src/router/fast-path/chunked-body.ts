/**
 * Finds where a chunked body ends while its bytes are passed through untouched (chunk sizes,
 * extensions, trailers and all), so the connection can carry the next answer. It also counts the
 * data bytes, which is what the metrics report as the answer's size.
 */
import { CR, HTAB, LF, SP, valueByte } from './http-bytes.js';

const State = {
  Size: 0,
  Extension: 1,
  SizeLf: 2,
  Data: 3,
  DataCr: 4,
  DataLf: 5,
  TrailerStart: 6,
  Trailer: 7,
  TrailerLf: 8,
  FinalLf: 9,
} as const;
type State = (typeof State)[keyof typeof State];

/** Chunk sizes above 2^48 bytes are refused rather than lose precision. */
const maxSizeDigits = 12;

export const ChunkScan = { More: -1, Malformed: -2 } as const;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export class ChunkedBody {
  private state: State = State.Size;
  private size = 0;
  private digits = 0;
  /** Data bytes seen since the last `take`. */
  private data = 0;

  reset(): void {
    this.state = State.Size;
    this.size = 0;
    this.digits = 0;
    this.data = 0;
  }

  /** Data bytes (without framing) scanned since the last call. */
  takeDataBytes(): number {
    const data = this.data;
    this.data = 0;
    return data;
  }

  /**
   * Scans `buf[start, end)`. Returns the offset just past the body's last byte when it ends in
   * this range, `ChunkScan.More` when the body goes on, `ChunkScan.Malformed` on bad framing.
   */
  scan(buf: Buffer, start: number, end: number): number {
    let i = start;
    let state = this.state;
    while (i < end) {
      const c = buf[i] as number;
      switch (state) {
        case State.Size: {
          const value = hexValue(c);
          if (value !== -1) {
            if (++this.digits > maxSizeDigits) return ChunkScan.Malformed;
            this.size = this.size * 16 + value;
          } else if (this.digits === 0) {
            return ChunkScan.Malformed;
          } else if (c === CR) {
            state = State.SizeLf;
          } else if (c === 0x3b /* ; */ || c === SP || c === HTAB) {
            state = State.Extension;
          } else {
            return ChunkScan.Malformed;
          }
          i++;
          break;
        }
        case State.Extension:
          if (c === CR) state = State.SizeLf;
          else if (valueByte[c] !== 1) return ChunkScan.Malformed;
          i++;
          break;
        case State.SizeLf:
          if (c !== LF) return ChunkScan.Malformed;
          i++;
          state = this.size === 0 ? State.TrailerStart : State.Data;
          break;
        case State.Data: {
          const n = Math.min(this.size, end - i);
          i += n;
          this.size -= n;
          this.data += n;
          if (this.size === 0) state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (c !== CR) return ChunkScan.Malformed;
          i++;
          state = State.DataLf;
          break;
        case State.DataLf:
          if (c !== LF) return ChunkScan.Malformed;
          i++;
          this.digits = 0;
          state = State.Size;
          break;
        case State.TrailerStart:
          i++;
          if (c === CR) state = State.FinalLf;
          else if (valueByte[c] === 1 && c !== SP && c !== HTAB) state = State.Trailer;
          else return ChunkScan.Malformed;
          break;
        case State.Trailer:
          if (c === CR) state = State.TrailerLf;
          else if (valueByte[c] !== 1) return ChunkScan.Malformed;
          i++;
          break;
        case State.TrailerLf:
          if (c !== LF) return ChunkScan.Malformed;
          i++;
          state = State.TrailerStart;
          break;
        case State.FinalLf:
          if (c !== LF) return ChunkScan.Malformed;
          this.state = State.Size;
          this.size = 0;
          this.digits = 0;
          return i + 1;
      }
    }
    this.state = state;
    return ChunkScan.More;
  }
}
