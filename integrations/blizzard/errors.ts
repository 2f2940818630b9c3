/**
 * Typed Blizzard failures. The client throws only these, so one activity boundary can turn them
 * into Temporal failures: `retryable` says whether another attempt can help, `retryAfterMs` how
 * long to wait first. Messages name what an operator should do next.
 */

export interface BlizzardErrorDetails {
  status?: number;
  /** Request path without query, token or secret, e.g. `/profile/wow/character/sargeras/zata%C3%B1%C3%B1a`. */
  path: string;
  /** `name-realmSlug` when the request was about one character. */
  character?: string;
  cause?: unknown;
}

export class BlizzardError extends Error {
  override name = 'BlizzardError';
  readonly service = 'blizzard' as const;
  readonly status?: number;
  readonly path: string;
  readonly character?: string;

  constructor(message: string, details: BlizzardErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.path = details.path;
    this.character = details.character;
  }

  /** Unexpected answers (a 400, an unreadable shape) will not improve on a retry. */
  get retryable(): boolean {
    return false;
  }
}

export class BlizzardNotFoundError extends BlizzardError {
  override name = 'BlizzardNotFoundError';
  constructor(details: BlizzardErrorDetails & { what?: 'character' | 'guild' }) {
    super(
      details.what === 'guild'
        ? `Blizzard has no guild at ${details.path} (404): check PATT_GUILD_REALM_SLUG and PATT_GUILD_NAME_SLUG.`
        : `Blizzard has no public profile for ${details.character ?? details.path} (404): the character may have been ` +
            'renamed, transferred, made private, or be below level 10. The guild roster, not this 404, says who is ' +
            'a member; the character\'s /status endpoint tells whether it still exists.',
      { ...details, status: 404 },
    );
  }
}

export class BlizzardRateLimitedError extends BlizzardError {
  override name = 'BlizzardRateLimitedError';
  readonly retryAfterMs: number;
  /** 429s this request met in a row before the client gave it to the caller. */
  readonly tries: number;
  constructor(details: BlizzardErrorDetails & { retryAfterMs: number; tries?: number }) {
    const tries = details.tries ?? 1;
    super(
      `Blizzard rate limit reached (429) at ${details.path}${details.character ? ` (${details.character})` : ''}` +
        `${tries > 1 ? ` ${tries} times in a row` : ''}; retry after ${details.retryAfterMs} ms. ` +
        'If this repeats, another process is probably using the same client id (BLIZZARD_CLIENT_ID): give it a ' +
        'client of its own, or lower BLIZZARD_RATE_PER_SECOND here.',
      { ...details, status: 429 },
    );
    this.retryAfterMs = details.retryAfterMs;
    this.tries = tries;
  }
  override get retryable(): boolean {
    return true;
  }
}

export class BlizzardServerError extends BlizzardError {
  override name = 'BlizzardServerError';
  constructor(details: BlizzardErrorDetails & { reason?: string }) {
    super(
      `Blizzard answered ${details.status ?? 'badly'} at ${details.path}${details.reason ? ` (${details.reason})` : ''}; ` +
        'this is on Blizzard\'s side and a later attempt usually succeeds.',
      details,
    );
  }
  override get retryable(): boolean {
    return true;
  }
}

export class BlizzardNetworkError extends BlizzardError {
  override name = 'BlizzardNetworkError';
  readonly timedOut: boolean;
  constructor(details: BlizzardErrorDetails & { timedOut: boolean; timeoutMs?: number }) {
    super(
      details.timedOut
        ? `Blizzard did not answer ${details.path} within ${details.timeoutMs ?? '?'} ms (BLIZZARD_TIMEOUT_MS).`
        : `Could not reach Blizzard for ${details.path} (${describeCause(details.cause)}): check the network and ` +
            'BLIZZARD_API_URL / BLIZZARD_OAUTH_URL.',
      details,
    );
    this.timedOut = details.timedOut;
  }
  override get retryable(): boolean {
    return true;
  }
}

export class BlizzardAuthError extends BlizzardError {
  override name = 'BlizzardAuthError';
  /** Blizzard's own words from the JSON body, e.g. "Account Inactive". */
  readonly detail?: string;
  constructor(details: BlizzardErrorDetails & { detail?: string; stage: 'token' | 'api' }) {
    const said = details.detail ? ` ("${details.detail}")` : '';
    super(
      details.stage === 'token'
        ? `Blizzard refused the client credentials (${details.status ?? '?'}${said}): check BLIZZARD_CLIENT_ID / ` +
            'BLIZZARD_CLIENT_SECRET (https://develop.battle.net/access/clients).'
        : details.status === 403
          ? `Blizzard answered 403 Forbidden${said} at ${details.path}: check that the API client for ` +
            'BLIZZARD_CLIENT_ID is active at https://develop.battle.net/access/clients.'
          : `Blizzard rejected a freshly issued token (${details.status ?? '?'}${said}) at ${details.path}: check ` +
            'BLIZZARD_CLIENT_ID / BLIZZARD_CLIENT_SECRET and BLIZZARD_OAUTH_URL (its region must match BLIZZARD_API_URL).',
      details,
    );
    this.detail = details.detail;
  }
}

function describeCause(cause: unknown): string {
  // Duck-typed: undici's errors may come from another realm (jest's vm), where instanceof fails.
  const outer = cause as { message?: unknown; cause?: { message?: unknown; code?: unknown } } | null | undefined;
  // undici wraps the socket error ("fetch failed" → cause: ECONNREFUSED): show the useful one.
  const inner = outer?.cause;
  if (inner && typeof inner.message === 'string') {
    return typeof inner.code === 'string' ? `${inner.code}: ${inner.message}` : inner.message;
  }
  return typeof outer?.message === 'string' ? outer.message : String(cause);
}
