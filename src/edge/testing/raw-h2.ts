/**
 * Hand-made HTTP/2 frames for the tests of malformed requests: what a conforming client (Node's,
 * curl) refuses to send. HPACK literals without Huffman coding or indexing. Not part of the build.
 */
import { connect, type TLSSocket } from 'node:tls';

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** A string literal with a 7-bit length prefix (short strings only). */
function literal(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length > 126) throw new Error('raw-h2: literal too long for this helper');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** HEADERS (END_HEADERS, and END_STREAM unless a body follows) with `[name, value]` literals in order. */
export function headersFrame(streamId: number, headers: readonly (readonly [string, string])[], endStream = true): Buffer {
  const block = Buffer.concat(headers.map(([name, value]) => Buffer.concat([Buffer.from([0x00]), literal(name), literal(value)])));
  return frame(0x1, 0x4 | (endStream ? 0x1 : 0), streamId, block);
}

export function dataFrame(streamId: number, body: string, endStream = true): Buffer {
  return frame(0x0, endStream ? 0x1 : 0, streamId, Buffer.from(body));
}

export interface ReceivedFrame {
  readonly type: number;
  readonly streamId: number;
  /** RST_STREAM and GOAWAY: the error code. */
  readonly errorCode?: number;
}

export const frameType = { data: 0x0, headers: 0x1, rstStream: 0x3, goaway: 0x7 } as const;
export const protocolError = 0x1;

export interface RawH2Connection {
  readonly frames: ReceivedFrame[];
  readonly closed: boolean;
  send(bytes: Buffer): void;
  close(): void;
}

/** A TLS connection that chose h2 by ALPN, with the preface and an empty SETTINGS sent. */
export async function rawH2(port: number, servername: string, ca: string): Promise<RawH2Connection> {
  const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  if (socket.alpnProtocol !== 'h2') throw new Error(`raw-h2: the server chose ${String(socket.alpnProtocol)}`);
  const frames: ReceivedFrame[] = [];
  let buffered = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) break;
      const type = buffered[3] as number;
      const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
      const payload = buffered.subarray(9, 9 + length);
      const errorCode = type === frameType.rstStream ? payload.readUInt32BE(0) : type === frameType.goaway ? payload.readUInt32BE(4) : undefined;
      frames.push({ type, streamId, ...(errorCode === undefined ? {} : { errorCode }) });
      buffered = buffered.subarray(9 + length);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  socket.write(Buffer.concat([preface, frame(0x4, 0, 0, Buffer.alloc(0))]));
  return {
    frames,
    get closed() {
      return closed;
    },
    send: (bytes) => socket.write(bytes),
    close: () => socket.destroy(),
  };
}
