import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { ApiState } from '../app';

/** Printable ASCII without spaces, bounded: anything else could garble a log line or a header. */
const SANE_ID = /^[\x21-\x7e]{1,128}$/;

/** Takes the caller's X-Request-Id when it is sane (so a proxy's id carries through), else a uuid; echoes it. */
export function requestId(): Middleware<ApiState> {
  return async function requestId(ctx, next) {
    const given = ctx.get('X-Request-Id');
    ctx.state.requestId = SANE_ID.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}
