/**
 * What a TLS ClientHello asks for before any handshake: the server name (SNI) and the ALPN
 * protocols offered. Reads the first record only: a ClientHello split over several records (no
 * client does so for a hello this small) is `unreadable`, and so served like any other connection.
 */
export type ClientHelloPeek =
  /** More bytes are needed. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'hello'; readonly servername: string | undefined; readonly alpn: readonly string[] };

const handshakeRecord = 0x16;
const clientHello = 0x01;
const serverNameExtension = 0x0000;
const alpnExtension = 0x0010;
/** The largest TLS plaintext record (RFC 8446 5.1). */
const maxRecordLength = 16_384;

/** A bounded reader: every read past the end throws RangeError, which the parser reports as unreadable. */
class Reader {
  constructor(
    private readonly data: Buffer,
    public offset = 0,
    private readonly end = data.length,
  ) {}

  get left(): number {
    return this.end - this.offset;
  }

  uint(bytes: 1 | 2 | 3): number {
    if (this.left < bytes) throw new RangeError('past the end');
    const value = this.data.readUIntBE(this.offset, bytes);
    this.offset += bytes;
    return value;
  }

  bytes(length: number): Buffer {
    if (this.left < length) throw new RangeError('past the end');
    const slice = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** A reader over the next `lengthBytes`-prefixed block. */
  block(lengthBytes: 1 | 2 | 3): Reader {
    const length = this.uint(lengthBytes);
    if (this.left < length) throw new RangeError('past the end');
    this.offset += length;
    return new Reader(this.data, this.offset - length, this.offset);
  }
}

export function peekClientHello(data: Buffer): ClientHelloPeek {
  if (data.length === 0) return { kind: 'incomplete' };
  if (data[0] !== handshakeRecord) return { kind: 'unreadable' };
  if (data.length < 5) return { kind: 'incomplete' };
  const recordLength = data.readUInt16BE(3);
  if (recordLength > maxRecordLength) return { kind: 'unreadable' };
  if (data.length < 5 + recordLength) return { kind: 'incomplete' };
  try {
    return readHello(new Reader(data, 5, 5 + recordLength));
  } catch (error) {
    if (error instanceof RangeError) return { kind: 'unreadable' };
    throw error;
  }
}

function readHello(record: Reader): ClientHelloPeek {
  if (record.uint(1) !== clientHello) return { kind: 'unreadable' };
  const hello = record.block(3);
  hello.bytes(2 + 32); // legacy_version, random
  hello.block(1); // legacy_session_id
  hello.block(2); // cipher_suites
  hello.block(1); // legacy_compression_methods
  let servername: string | undefined;
  let alpn: string[] = [];
  if (hello.left === 0) return { kind: 'hello', servername, alpn };
  const extensions = hello.block(2);
  while (extensions.left > 0) {
    const type = extensions.uint(2);
    const body = extensions.block(2);
    if (type === serverNameExtension) servername = readServerName(body);
    else if (type === alpnExtension) alpn = readProtocols(body);
  }
  return { kind: 'hello', servername, alpn };
}

function readServerName(body: Reader): string | undefined {
  const names = body.block(2);
  while (names.left > 0) {
    const nameType = names.uint(1);
    const name = names.block(2);
    if (nameType === 0) return name.bytes(name.left).toString('ascii').toLowerCase();
  }
  return undefined;
}

function readProtocols(body: Reader): string[] {
  const list = body.block(2);
  const protocols: string[] = [];
  while (list.left > 0) {
    const protocol = list.block(1);
    protocols.push(protocol.bytes(protocol.left).toString('ascii'));
  }
  return protocols;
}
