import type { Middleware } from 'koa';
import type { Logger } from '../../config/logger';
import type { ApiState } from '../app';

/** One line per request, after the error handler has set the final status. */
export function requestLogger(logger: Logger): Middleware<ApiState> {
  return async function requestLogger(ctx, next) {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      // keyPrefix, not apiKey: the logger redacts anything called apiKey.
      logger.info(
        { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms, keyPrefix: ctx.state.apiKey?.prefix },
        `${ctx.method} ${ctx.path} ${ctx.status} ${ms}ms`,
      );
    }
  };
}
