import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The innermost message of a failure chain: the activity's own error, which says what to do. */
export function innermostMessage(err: unknown): string {
  let e: unknown = err;
  while ((e instanceof ActivityFailure || e instanceof ApplicationFailure) && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
