/**
 * The client reads response bodies with `for await`; Chromium and Firefox can, Safari cannot yet.
 * This adds the iterator where it is missing, reading through a reader as the standard does.
 */
export function ensureStreamIteration(): void {
  const proto = ReadableStream.prototype as unknown as Record<symbol, unknown>;
  if (typeof proto[Symbol.asyncIterator] === 'function') return;
  proto[Symbol.asyncIterator] = async function* iterate(this: ReadableStream<unknown>) {
    const reader = this.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  };
}
