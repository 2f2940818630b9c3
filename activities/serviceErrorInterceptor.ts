import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { BlizzardError, BlizzardRateLimitedError } from '../integrations/blizzard';
import { DiscordError, DiscordRateLimitedError } from '../integrations/discord';

/**
 * The one boundary where the Blizzard and Discord clients' typed errors become Temporal failures:
 * a 429 comes back after its Retry-After, auth and 404 problems are not retried (retrying cannot
 * fix them), 5xx and network failures follow the activity's retry policy.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof BlizzardError) && !(err instanceof DiscordError)) return err;
  const type = err.name;
  if (err instanceof BlizzardRateLimitedError || err instanceof DiscordRateLimitedError) {
    return ApplicationFailure.create({ type, message: err.message, nextRetryDelay: err.retryAfterMs, cause: err });
  }
  return ApplicationFailure.create({ type, message: err.message, nonRetryable: !err.retryable, cause: err });
}

export class ServiceErrorInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw toActivityFailure(err);
    }
  }
}
