import { STATUS_CODES } from 'node:http';
import { z } from 'zod';

/**
 * Errors the API answers with. Each carries an HTTP status and a SNAKE_CASE code a client can
 * branch on; the message is shown to the client only when `expose` (by default: below 500).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly expose: boolean;
  /** Headers the answer must carry (Allow on 405, WWW-Authenticate on 401). */
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options: { cause?: unknown; expose?: boolean; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.expose = options.expose ?? status < 500;
    this.headers = options.headers ?? {};
  }
}

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

/** 400 VALIDATION_FAILED from zod issues: every problem, with the path to the field. */
export class ValidationError extends AppError {
  override name = 'ValidationError';

  constructor(issues: readonly z.core.$ZodIssue[]) {
    const list: ValidationIssue[] = issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
      message: i.message,
    }));
    const first = list[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    const more = list.length > 1 ? ` (and ${list.length - 1} more; see details)` : '';
    super(400, 'VALIDATION_FAILED', `The request is not valid: ${where}${first?.message ?? 'invalid input'}${more}.`, {
      issues: list,
    });
  }
}

const CLI_HINT = 'npm run cli -- api-key create --name <who holds it> --scopes <scope,…>';

export const apiKeyRequired = (scope: string) =>
  new AppError(
    401,
    'API_KEY_REQUIRED',
    `This route needs an API key with scope "${scope}". Send it as "Authorization: Bearer <key>" (or "X-API-Key: <key>"). ` +
      `Mint one with: ${CLI_HINT.replace('<scope,…>', scope)}`,
    undefined,
    { headers: { 'WWW-Authenticate': 'Bearer' } },
  );

export const apiKeyInvalid = () =>
  new AppError(
    401,
    'API_KEY_INVALID',
    'The API key is not valid here: it is unknown, revoked, or belongs to another guild. ' +
      `Check it with "npm run cli -- api-key list", or mint a new one with: ${CLI_HINT}`,
    undefined,
    { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
  );

export const scopeRequired = (scope: string, key: { prefix: string; scopes: readonly string[] }) =>
  new AppError(
    403,
    'SCOPE_REQUIRED',
    `The API key ${key.prefix} lacks the scope "${scope}" this route needs. ` +
      `Mint a key that has it with: ${CLI_HINT.replace('<scope,…>', scope)}`,
    { requiredScope: scope, keyScopes: key.scopes },
  );

export const notFound = (method: string, path: string) =>
  new AppError(404, 'NOT_FOUND', `No route ${method} ${path}. The API lives under /api; see /api/docs for every route.`);

export const methodNotAllowed = (method: string, path: string, allowed: string) =>
  new AppError(405, 'METHOD_NOT_ALLOWED', `${path} does not accept ${method}; it accepts ${allowed}.`, undefined, {
    headers: { Allow: allowed },
  });

export const temporalUnavailable = (cause: unknown, what = 'so nothing was started') =>
  new AppError(
    503,
    'TEMPORAL_UNAVAILABLE',
    `The Temporal server did not answer, ${what}. Check that it is running (npm start starts it) and try again.`,
    undefined,
    { cause, expose: true },
  );

/**
 * Turns whatever a handler threw into an AppError, or null for an unexpected error (a bug or an
 * outage): zod errors from `schema.parse(input)` become 400 VALIDATION_FAILED, and Koa's own
 * http-errors (ctx.throw) keep their status with a code derived from it.
 */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof z.core.$ZodError) return new ValidationError(err.issues);
  const status = httpStatusOf(err);
  if (status !== undefined && status >= 400 && status < 500 && err instanceof Error) {
    return new AppError(status, codeForStatus(status), err.message, undefined, { cause: err });
  }
  return null;
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = 'status' in err ? err.status : 'statusCode' in err ? err.statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** 413 → PAYLOAD_TOO_LARGE, 418 → I_M_A_TEAPOT: the status text in SNAKE_CASE. */
export function codeForStatus(status: number): string {
  return (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** The one error envelope, shared by the handler and the OpenAPI document. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'SCOPE_REQUIRED' }),
      message: z.string().meta({ description: 'What went wrong and what to do about it' }),
      details: z.unknown().optional(),
      requestId: z.string().meta({ description: 'Quote it when asking for help; the API log carries the same id' }),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** An OpenAPI response entry for the error envelope. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});
