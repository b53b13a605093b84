/** Byte classes of HTTP/1.1 (RFC 9110/9112) as lookup tables, and allocation-free name comparison. */

/** tchar: the bytes allowed in a method or a header name. */
export const tokenByte = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~") tokenByte[ch.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) tokenByte[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) tokenByte[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) tokenByte[c] = 1;

/** Bytes allowed inside a header value or a reason phrase: HTAB, SP, VCHAR and obs-text; no other control. */
export const valueByte = new Uint8Array(256);
valueByte[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) valueByte[c] = 1;
for (let c = 0x80; c <= 0xff; c++) valueByte[c] = 1;

/** Bytes the fast path accepts in a request target: visible ASCII only (anything else goes to node:http). */
export const targetByte = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) targetByte[c] = 1;

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;

export function lowerBytes(name: string): Uint8Array {
  return Uint8Array.from(Buffer.from(name.toLowerCase(), 'latin1'));
}

/**
 * Whether `buf[start, start + lower.length)` equals `lower` ignoring ASCII case. Only for bytes
 * already checked to be tchars: among those, OR-ing 0x20 folds exactly the letters.
 */
export function tokenEquals(buf: Buffer, start: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++) {
    if (((buf[start + i] as number) | 0x20) !== lower[i]) return false;
  }
  return true;
}

/** Case-insensitive comparison of a header value with a lower-case ASCII word. */
export function valueEquals(buf: Buffer, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[start + i] as number;
    const folded = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    if (folded !== lower[i]) return false;
  }
  return true;
}

/** Where a scanned header line's parts are; one object per parser, refilled for every line. */
export interface HeaderLine {
  nameLength: number;
  valueStart: number;
  /** Trailing whitespace excluded. */
  valueEnd: number;
  /** Where the next line starts. */
  next: number;
}

export const LineScan = { Line: 0, End: 1, Incomplete: 2, Bad: 3 } as const;
export type LineScan = (typeof LineScan)[keyof typeof LineScan];

/**
 * Scans the header line at `i` into `line`, strictly: a token name, a colon, optional
 * whitespace, a value of value bytes, CRLF. Refuses obs-fold (a line starting with whitespace)
 * and whitespace before the colon. `End` is the empty line that ends the head (`next` after it).
 */
export function scanHeaderLine(buf: Buffer, i: number, limit: number, line: HeaderLine): LineScan {
  if (i >= limit) return LineScan.Incomplete;
  if (buf[i] === CR) {
    if (i + 1 >= limit) return LineScan.Incomplete;
    if (buf[i + 1] !== LF) return LineScan.Bad;
    line.next = i + 2;
    return LineScan.End;
  }
  let j = i;
  while (j < limit && tokenByte[buf[j] as number] === 1) j++;
  if (j >= limit) return LineScan.Incomplete;
  const nameLength = j - i;
  if (nameLength === 0 || buf[j] !== COLON) return LineScan.Bad;
  j++;
  while (j < limit && (buf[j] === SP || buf[j] === HTAB)) j++;
  const valueStart = j;
  while (j < limit && valueByte[buf[j] as number] === 1) j++;
  if (j + 1 >= limit) return LineScan.Incomplete;
  if (buf[j] !== CR || buf[j + 1] !== LF) return LineScan.Bad;
  let valueEnd = j;
  while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
  line.nameLength = nameLength;
  line.valueStart = valueStart;
  line.valueEnd = valueEnd;
  line.next = j + 2;
  return LineScan.Line;
}
