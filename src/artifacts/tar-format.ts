/**
 * The ustar header layout (POSIX.1-1988) plus the pax extended header for what ustar cannot hold
 * (long paths and link targets, sizes of 8 GiB and more). Shared by the writer and the reader.
 */
export const BLOCK = 512;

export type TarType = 'file' | 'directory' | 'symlink' | 'pax' | 'pax-global' | 'other';

export interface TarHeader {
  readonly name: string;
  readonly mode: number;
  readonly size: number;
  readonly type: TarType;
  readonly linkName: string;
}

const typeFlags = { file: '0', directory: '5', symlink: '2', pax: 'x', 'pax-global': 'g' } as const;

/** Largest size the 11 octal digits of the ustar size field hold. */
const MAX_USTAR_SIZE = 0o77777777777;

export function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * The ustar name/prefix split of a path, or null when the path needs a pax header. `name` gets at
 * most 100 bytes, `prefix` at most 155, split at a `/`.
 */
export function splitUstarName(name: string): { readonly name: string; readonly prefix: string } | null {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { name, prefix: '' };
  for (let cut = name.indexOf('/'); cut >= 0; cut = name.indexOf('/', cut + 1)) {
    const prefix = name.slice(0, cut);
    const rest = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { name: rest, prefix };
  }
  return null;
}

/** The pax records an entry needs, empty when plain ustar is enough. */
export function paxRecordsFor(entry: TarHeader): Record<string, string> {
  const records: Record<string, string> = {};
  if (splitUstarName(entry.name) === null) records.path = entry.name;
  if (Buffer.byteLength(entry.linkName) > 100) records.linkpath = entry.linkName;
  if (entry.size > MAX_USTAR_SIZE) records.size = String(entry.size);
  return records;
}

export function encodePaxRecords(records: Record<string, string>): Buffer {
  const lines = Object.keys(records)
    .sort()
    .map((key) => {
      const body = ` ${key}=${records[key]}\n`;
      // The length prefix counts its own digits, so grow it until it is stable.
      let length = Buffer.byteLength(body) + 1;
      while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
      return `${length}${body}`;
    });
  return Buffer.from(lines.join(''), 'utf8');
}

export function decodePaxRecords(bytes: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < bytes.length) {
    const space = bytes.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number(bytes.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0 || offset + length > bytes.length) throw new Error('malformed pax record');
    const record = bytes.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

/** One 512-byte header with every non-content field fixed: mtime 0, uid/gid 0, empty owner names. */
export function encodeHeader(entry: TarHeader): Buffer {
  const header = Buffer.alloc(BLOCK);
  const split = splitUstarName(entry.name);
  const truncate = (text: string, bytes: number): Buffer => Buffer.from(text, 'utf8').subarray(0, bytes);
  truncate(split ? split.name : entry.name, 100).copy(header, 0);
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.size > MAX_USTAR_SIZE ? 0 : entry.size);
  writeOctal(header, 136, 12, 0);
  header.write(typeFlags[entry.type as keyof typeof typeFlags], 156, 'ascii');
  truncate(entry.linkName, 100).copy(header, 157);
  header.write('ustar\u000000', 257, 'binary');
  writeOctal(header, 329, 8, 0);
  writeOctal(header, 337, 8, 0);
  if (split) truncate(split.prefix, 155).copy(header, 345);
  header.write('        ', 148, 'ascii');
  writeOctal(header, 148, 7, checksum(header));
  header[155] = 0x20;
  return header;
}

/** Parses a header block; null for an all-zero block (the end of the archive). */
export function decodeHeader(block: Buffer): TarHeader | null {
  if (block.every((byte) => byte === 0)) return null;
  const stored = readOctal(block, 148, 8);
  const copy = Buffer.from(block);
  copy.write('        ', 148, 'ascii');
  if (stored !== checksum(copy)) throw new Error('bad header checksum');
  if (block.subarray(257, 262).toString('binary') !== 'ustar') throw new Error('not a ustar header');
  const name = readString(block, 0, 100);
  const prefix = readString(block, 345, 155);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: readOctal(block, 100, 8),
    size: readOctal(block, 124, 12),
    type: typeOf(String.fromCharCode(block[156] ?? 0)),
    linkName: readString(block, 157, 100),
  };
}

function typeOf(flag: string): TarType {
  switch (flag) {
    case '0':
    case '\u0000':
    case '7':
      return 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    case 'x':
      return 'pax';
    case 'g':
      return 'pax-global';
    default:
      return 'other';
  }
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (const byte of header) sum += byte;
  return sum;
}

function writeOctal(buffer: Buffer, offset: number, length: number, value: number): void {
  buffer.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

function readOctal(buffer: Buffer, offset: number, length: number): number {
  const text = buffer.subarray(offset, offset + length).toString('ascii').replace(/[\u0000 ]+$/, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad octal field at ${offset}`);
  return parseInt(text, 8);
}

function readString(buffer: Buffer, offset: number, length: number): string {
  const field = buffer.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}
