/** A container's output from the Docker engine as plain text (stdout and stderr interleaved, as kubectl logs shows it). */
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';

/** Splits the engine's multiplexed frames (8-byte header: stream, 0, 0, 0, size) into their payload. */
function demuxBuffer(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts);
}

export interface ContainerLogOptions {
  readonly follow: boolean;
  readonly tailLines?: number;
  readonly timestamps?: boolean;
  /** ms since the epoch; the engine takes whole seconds, as the kubelet's sinceTime has. */
  readonly since?: number;
}

/** The engine prefixes each line with its RFC 3339 time in nanoseconds, the format the kubelet gives for timestamps=true. */
export function containerLogs(docker: Docker, containerId: string, options: ContainerLogOptions): Readable {
  const out = new PassThrough();
  const container = docker.getContainer(containerId);
  const query = {
    ...(options.tailLines !== undefined ? { tail: options.tailLines } : {}),
    ...(options.timestamps ? { timestamps: true } : {}),
    ...(options.since !== undefined ? { since: Math.floor(options.since / 1000) } : {}),
  };
  if (options.follow) {
    container
      .logs({ follow: true, stdout: true, stderr: true, ...query })
      .then((stream) => {
        docker.modem.demuxStream(stream, out, out);
        stream.on('end', () => out.end());
        out.on('close', () => (stream as unknown as Readable).destroy());
      })
      .catch((error: unknown) => out.destroy(error as Error));
  } else {
    container
      .logs({ follow: false, stdout: true, stderr: true, ...query })
      .then((buffer) => out.end(demuxBuffer(buffer)))
      .catch((error: unknown) => out.destroy(error as Error));
  }
  return out;
}
