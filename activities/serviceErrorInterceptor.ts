import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { BlizzardError, BlizzardRateLimitedError } from '../integrations/blizzard';

/**
 * The one boundary where Blizzard's typed errors become Temporal failures: a 429 comes back after
 * its Retry-After, auth and 404 problems are not retried (retrying cannot fix them), 5xx and network
 * failures follow the activity's retry policy.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof BlizzardError)) return err;
  const type = err.name;
  if (err instanceof BlizzardRateLimitedError) {
    return ApplicationFailure.create({ type, message: err.message, nextRetryDelay: err.retryAfterMs, cause: err });
  }
  return ApplicationFailure.create({ type, message: err.message, nonRetryable: !err.retryable, cause: err });
}

export class BlizzardErrorInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw toActivityFailure(err);
    }
  }
}
