import type { Middleware } from 'koa';
import type { ApiState } from '../app';
import { toAppError, type ErrorBody } from '../errors';

/**
 * First in the chain: every error becomes the JSON envelope. A client sees the message only of an
 * exposed AppError; anything else is a generic 500 naming the request id, and the real error goes
 * to app.on('error') (re-emitted here, or it would never be logged).
 */
export function errorHandler(): Middleware<ApiState> {
  return async function errorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      if (ctx.headerSent || !ctx.writable) {
        ctx.app.emit('error', err, ctx);
        return;
      }
      const known = toAppError(err);
      const status = known?.status ?? 500;
      const expose = known?.expose ?? false;
      const body: ErrorBody = {
        error: {
          code: known?.code ?? 'INTERNAL_ERROR',
          message: expose
            ? (known?.message ?? '')
            : `Internal error; see the API log with request id ${ctx.state.requestId}.`,
          ...(expose && known?.details !== undefined ? { details: known.details } : {}),
          requestId: ctx.state.requestId,
        },
      };
      // Like Koa's own onerror: drop what the failed handler set, keep the request id.
      for (const name of ctx.res.getHeaderNames()) if (name !== 'x-request-id') ctx.remove(name);
      if (known) ctx.set(known.headers);
      ctx.status = status;
      ctx.body = body;
      // After the status is set, so the listener can tell a 401 from a 500.
      ctx.app.emit('error', err, ctx);
    }
  };
}
