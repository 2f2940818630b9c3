import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import { temporalUnavailable } from './errors';

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Settles with the promise, or rejects with TimeoutError after `ms`: a hung dependency (Temporal,
 * an exhausted pool) must not hang the request. The work itself is not cancelled.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How long a request waits for Temporal to start something before answering 503. */
export const TEMPORAL_START_TIMEOUT_MS = 10_000;

/**
 * A call that starts work on Temporal, for a route: an unreachable or silent server becomes 503
 * TEMPORAL_UNAVAILABLE (saying `whenDown`); anything else is a bug and stays a 500.
 */
export async function startOnTemporal<T>(call: Promise<T>, what: string, whenDown?: string): Promise<T> {
  try {
    return await withTimeout(call, TEMPORAL_START_TIMEOUT_MS, what);
  } catch (err) {
    if (err instanceof TimeoutError || err instanceof ServiceError || isGrpcServiceError(err)) throw temporalUnavailable(err, whenDown);
    throw err;
  }
}
