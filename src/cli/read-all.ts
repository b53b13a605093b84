/** Reading a whole input stream with a bound, for values given on standard input. */
import { SkiffError } from '../core/errors.js';

export async function readAll(input: AsyncIterable<string | Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buffer.length;
    if (size > maxBytes) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `standard input is longer than ${maxBytes} bytes`, {
        hint: 'pipe in just the value, e.g. skiff secret set SERVICE NAME --stdin < value.txt',
      });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
