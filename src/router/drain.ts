/**
 * Draining backends before their instance is signalled: the control plane has already published
 * a table without them; the router waits until nothing is in flight to those addresses (requests,
 * streamed answers, upgraded connections, parallel-run copies) and their keep-alive connections
 * are closed, or until the timeout. The schema of the admin request, the result, and the merge
 * of the workers' results live here.
 */
import { z } from 'zod';
import { SkiffError } from '../core/errors.js';

export interface DrainAddress {
  readonly host: string;
  readonly port: number;
}

export interface DrainResult {
  /** True when nothing was in flight to those addresses any more before the timeout. */
  readonly drained: boolean;
  /** Requests and connections still open to them when the wait ended (summed over workers). */
  readonly inFlight: number;
  /** How long the slowest worker waited. */
  readonly waitedMs: number;
}

export interface DrainRequest {
  readonly backends: readonly DrainAddress[];
  readonly timeoutMs: number;
}

/** Longest wait a drain may ask for. */
export const maxDrainTimeoutMs = 10 * 60_000;

const drainRequestSchema = z
  .object({
    backends: z
      .array(
        z
          .object({
            host: z.string().min(1).describe('address the instance listens on, as in the routing table'),
            port: z.number().int().min(1).max(65535),
          })
          .strict(),
      )
      .describe('the instances to drain'),
    timeoutMs: z.number().int().nonnegative().max(maxDrainTimeoutMs).describe('longest wait for their requests to finish'),
  })
  .strict();

/** Validates the body of POST /drain; throws SKIFF_BAD_REQUEST with the field path. */
export function parseDrainRequest(value: unknown): DrainRequest {
  const result = drainRequestSchema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({ code: 'SKIFF_BAD_REQUEST' as const, message: issue.message, path: issue.path.join('.') }));
  const first = details[0];
  throw new SkiffError('SKIFF_BAD_REQUEST', `invalid drain request${first ? `: ${first.path || '(body)'}: ${first.message}` : ''}`, {
    details,
    ...(first?.path ? { path: first.path } : {}),
    hint: 'send {"backends":[{"host":"127.0.0.1","port":1234}],"timeoutMs":30000}',
  });
}

/** Drained only when every worker drained. */
export function mergeDrainResults(results: readonly DrainResult[]): DrainResult {
  let drained = true;
  let inFlight = 0;
  let waitedMs = 0;
  for (const result of results) {
    drained &&= result.drained;
    inFlight += result.inFlight;
    waitedMs = Math.max(waitedMs, result.waitedMs);
  }
  return { drained, inFlight, waitedMs };
}
