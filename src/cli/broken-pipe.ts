/**
 * `skiff status | head -1`: once the reader has what it wants it closes the pipe, and the next
 * write fails with EPIPE. Like other Unix tools the command then stops quietly, without a stack.
 */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream, exit: (code: number) => void = process.exit): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') exit(0);
    else throw error;
  });
}
