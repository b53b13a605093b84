/** Lines of a streamed response body (a watch's JSON events, a followed log), as they arrive. */
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';

/**
 * Yields each complete line, then the unterminated rest when the stream ends cleanly. Ends
 * quietly, without the half line, when the connection breaks: the caller decides whether to
 * reconnect.
 */
export async function* linesOf(response: IncomingMessage): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  let broken = false;
  try {
    for await (const chunk of response) {
      buffer += decoder.write(chunk as Buffer);
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        yield buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    }
    buffer += decoder.end();
  } catch {
    broken = true;
  } finally {
    response.destroy();
  }
  if (!broken && buffer !== '') yield buffer;
}
