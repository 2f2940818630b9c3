import type { Middleware, ParameterizedContext } from 'koa';
import getRawBody from 'raw-body';
import type { ApiState } from '../app';
import { AppError, errorResponse } from '../errors';

/** JSON bodies up to 1 MB: the largest is a sheet import (two CSV texts of at most ~500 kB each). */
export const JSON_LIMIT_BYTES = 1024 * 1024;

export interface JsonBodyOptions {
  /** A request without a body is a 400 (else the handler sees undefined, read as "no options"). */
  required: boolean;
}

/** True when the request carries a body: a non-zero Content-Length, or a chunked one. */
export function hasBody(ctx: ParameterizedContext<ApiState>): boolean {
  if (ctx.get('Transfer-Encoding') !== '') return true;
  const length = ctx.get('Content-Length');
  return length !== '' && Number(length) > 0;
}

const route = (ctx: ParameterizedContext<ApiState>) => `${ctx.method} ${ctx.path}`;

export const unsupportedMediaType = (ctx: ParameterizedContext<ApiState>, expected: string) => {
  const sent = ctx.get('Content-Type') || 'no Content-Type';
  return new AppError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `${route(ctx)} takes ${expected}; this body came as ${sent}. Nothing was done: send it again with the right Content-Type.`,
    { contentType: ctx.get('Content-Type') || null, expected },
  );
};

/**
 * Reads the body of a route that takes JSON into ctx.state.body. Mounted per route after
 * requireApiKey, so a request without a valid key is refused before its body is read. Only
 * `Content-Type: application/json` (UTF-8) is parsed: another type is a 415, never an empty
 * object, so `{"dryRun":true}` sent as text/plain cannot turn into a real run.
 */
export function jsonBody(opts: JsonBodyOptions): Middleware<ApiState> {
  return async function jsonBody(ctx, next) {
    if (!hasBody(ctx)) {
      if (opts.required) {
        throw new AppError(400, 'BODY_REQUIRED', `${route(ctx)} needs a JSON object as its body (Content-Type: application/json); the request had none. See /api/docs for its fields.`);
      }
      ctx.state.body = undefined;
      return next();
    }
    if (!ctx.is('application/json')) throw unsupportedMediaType(ctx, 'a JSON body (Content-Type: application/json)');
    const charset = (ctx.request.charset || 'utf-8').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `${route(ctx)} reads JSON as UTF-8 only; this body says charset=${charset}. Send it as UTF-8 (or without a charset).`);
    }
    const text = await readText(ctx);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // A SyntaxError names the position; anything else (nesting too deep for the stack) is still the body's fault.
      const reason = err instanceof SyntaxError ? err.message : 'it could not be read';
      throw new AppError(400, 'INVALID_JSON', `The request body is not valid JSON (${reason}). Send a JSON object with Content-Type: application/json.`, undefined, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      const what = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
      throw new AppError(400, 'INVALID_JSON', `The request body is ${what}; ${route(ctx)} takes a JSON object. See /api/docs for its fields.`);
    }
    ctx.state.body = parsed;
    return next();
  };
}

async function readText(ctx: ParameterizedContext<ApiState>): Promise<string> {
  const length = ctx.get('Content-Length');
  if (length && Number(length) > JSON_LIMIT_BYTES) throw tooLarge();
  try {
    return await getRawBody(ctx.req, { limit: JSON_LIMIT_BYTES, length: length || undefined, encoding: 'utf8' });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw tooLarge();
    if (type === 'request.size.invalid' || type === 'request.aborted') {
      throw new AppError(400, 'BODY_INCOMPLETE', 'The body ended before Content-Length said it would: send the request again.', undefined, { cause: err });
    }
    throw err;
  }
}

const tooLarge = () =>
  new AppError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the ${JSON_LIMIT_BYTES / 1024 / 1024} MB a JSON body may be.`);

/** The error answers every JSON-body route can give before its handler runs, for the OpenAPI document. */
export const jsonBodyErrors = {
  413: errorResponse('PAYLOAD_TOO_LARGE: the JSON body is over 1 MB'),
  415: errorResponse('UNSUPPORTED_MEDIA_TYPE: a body that is not Content-Type: application/json (UTF-8)'),
};
