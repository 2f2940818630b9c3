/**
 * Typed Discord failures. The client throws only these, so the activity boundary can turn them into
 * Temporal failures: `retryable` says whether another attempt can help, `retryAfterMs` how long to
 * wait first. Messages say what the person running the bot should do.
 */
export interface DiscordErrorDetails {
  status?: number;
  /** Discord's JSON error code (10003 Unknown Channel, 50001 Missing Access, …). */
  code?: number | string;
  /** Method and path, e.g. `GET /guilds/123/members`. */
  request: string;
  cause?: unknown;
}

export class DiscordError extends Error {
  override name = 'DiscordError';
  readonly service = 'discord' as const;
  readonly status?: number;
  readonly code?: number | string;
  readonly request: string;

  constructor(message: string, details: DiscordErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.request = details.request;
  }

  /** Bad requests (400) will not improve on a retry. */
  get retryable(): boolean {
    return false;
  }
}

/** 401 or 403: the token, the server membership or a permission/intent is wrong. */
export class DiscordAccessError extends DiscordError {
  override name = 'DiscordAccessError';
}

/** 404: the server, channel or member does not exist (or the bot cannot see it). */
export class DiscordNotFoundError extends DiscordError {
  override name = 'DiscordNotFoundError';
}

export class DiscordRateLimitedError extends DiscordError {
  override name = 'DiscordRateLimitedError';
  readonly retryAfterMs: number;
  constructor(message: string, details: DiscordErrorDetails & { retryAfterMs: number }) {
    super(message, { ...details, status: 429 });
    this.retryAfterMs = details.retryAfterMs;
  }
  override get retryable(): boolean {
    return true;
  }
}

/** 5xx, a timeout or a network failure, after @discordjs/rest's own retries. */
export class DiscordUnavailableError extends DiscordError {
  override name = 'DiscordUnavailableError';
  override get retryable(): boolean {
    return true;
  }
}
