import Bottleneck from 'bottleneck';
import type { Logger } from '../../config/logger';
import {
  BlizzardAuthError,
  BlizzardError,
  BlizzardNetworkError,
  BlizzardNotFoundError,
  BlizzardRateLimitedError,
  BlizzardServerError,
} from './errors';
import { CalendarSecondPacer } from './pacer';
import {
  parseProfile,
  parseRoster,
  parseStatus,
  ShapeError,
  type CharacterProfile,
  type CharacterStatus,
  type GuildRoster,
} from './types';

export interface BlizzardClientOptions {
  apiUrl: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  region: 'us' | 'eu' | 'kr' | 'tw';
  /** Blizzard's limit per calendar second for this client id (100); the client sends fewer (see margin). */
  ratePerSecond: number;
  ratePerHour: number;
  /** Share of ratePerSecond left unused for network and timer jitter (default 0.05: 95 of 100). */
  rateMargin?: number;
  timeoutMs: number;
  /**
   * Tries after a 5xx or a network failure before the error goes to the caller (default 2, after
   * about 0.5 s and 2 s). 429s are retried apart from these, after their window.
   */
  transientRetries?: number;
  /** 429s one request may meet in a row before the caller (Temporal) is told (default 10). */
  rateLimitedTries?: number;
  logger?: Logger;
  /** Clock for token expiry only (tests move it forward instead of waiting a day). */
  clock?: () => number;
}

export type ProfileResult =
  | { kind: 'profile'; profile: CharacterProfile; lastModified?: string }
  | { kind: 'not_modified' };

export interface BlizzardClientStats {
  requests: number;
  /** 429 answers. */
  rateLimited: number;
  /** Requests sent while a 429's window was known to be open: never, unless the pacer is broken. */
  sentIntoOpenWindow: number;
  /** Requests sent again: after a 429, a 5xx, a network failure or a refused token. */
  retries: number;
  notModified: number;
  fullProfiles: number;
  tokenFetches: number;
}

interface Token {
  value: string;
  refreshAt: number;
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** When the headers arrived (epoch ms). */
  receivedAt: number;
}

interface ApiRequest {
  path: string;
  character?: string;
  what: 'guild' | 'character';
  ifModifiedSince?: string;
}

/** Refresh this long before Blizzard's expiry (capped at half the lifetime for short-lived tokens). */
const TOKEN_REFRESH_MARGIN_MS = 60_000;
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Requests waiting for a slot or in flight; at 95/s and a 0.2 s round trip about 20 are in flight. */
const MAX_CONCURRENT = 64;
/**
 * 429s one request may meet in a row before the caller is told. Each costs at least the rest of a
 * second; requests in flight when a window opens are refused too and retried together, so a
 * request can meet a few in a row when something else uses the client id.
 */
const RATE_LIMITED_TRIES = 10;
/** A 429 asking for a longer wait than this (an hourly quota) goes to Temporal instead of a held request. */
const MAX_HOLD_MS = 60_000;
const TRANSIENT_DELAYS_MS = [500, 2_000, 5_000];

/**
 * Blizzard Game Data / Profile API client: one OAuth token shared by all callers, one pacer per
 * instance (see pacer.ts), typed errors.
 *
 * Each request is retried on its own, so one refusal never costs its callers more than that
 * request: a 429 holds every request of the client until its window closes (the next calendar
 * second, or Retry-After when Blizzard sends one) and then sends the request that met it again,
 * first in line; a 5xx or a network failure is tried again after a short back-off; a 401 once with a
 * fresh token. What still fails goes to the caller, and Temporal retries the step later.
 */
export class BlizzardClient {
  /** Bounds open sockets and queued work; when requests leave is the pacer's business. */
  private readonly concurrency: Bottleneck;
  private readonly pacer: CalendarSecondPacer;
  private readonly log?: Logger;
  private readonly clock: () => number;
  private readonly transientRetries: number;
  private token?: Token;
  private tokenRequest?: Promise<Token>;
  private readonly counters: BlizzardClientStats = {
    requests: 0,
    rateLimited: 0,
    sentIntoOpenWindow: 0,
    retries: 0,
    notModified: 0,
    fullProfiles: 0,
    tokenFetches: 0,
  };

  constructor(private readonly opts: BlizzardClientOptions) {
    this.concurrency = new Bottleneck({ maxConcurrent: MAX_CONCURRENT });
    this.pacer = new CalendarSecondPacer({ limitPerSecond: opts.ratePerSecond, margin: opts.rateMargin ?? 0.05, perHour: opts.ratePerHour });
    this.transientRetries = opts.transientRetries ?? 2;
    this.log = opts.logger?.child({ component: 'blizzard-client' });
    this.clock = opts.clock ?? Date.now;
  }

  async getGuildRoster(realmSlug: string, guildSlug: string): Promise<GuildRoster> {
    const path = `/data/wow/guild/${encodeURIComponent(realmSlug.toLowerCase())}/${encodeURIComponent(guildSlug.toLowerCase())}/roster`;
    const res = await this.request({ path, what: 'guild' });
    const { roster, skippedReasons } = this.parse(path, undefined, () => parseRoster(json(res, path)));
    for (const reason of skippedReasons) {
      this.log?.warn({ path, reason }, 'Skipped a roster member without id, name, realm slug or rank');
    }
    return roster;
  }

  async getCharacterProfile(
    realmSlug: string,
    name: string,
    opts: { ifModifiedSince?: string } = {},
  ): Promise<ProfileResult> {
    const { path, character } = characterPath(realmSlug, name);
    const res = await this.request({ path, character, what: 'character', ifModifiedSince: opts.ifModifiedSince });
    if (res.status === 304) {
      this.counters.notModified += 1;
      return { kind: 'not_modified' };
    }
    const profile = this.parse(path, character, () => parseProfile(json(res, path, character)));
    this.counters.fullProfiles += 1;
    return { kind: 'profile', profile, lastModified: res.headers.get('last-modified') ?? undefined };
  }

  async getCharacterStatus(realmSlug: string, name: string): Promise<CharacterStatus> {
    const base = characterPath(realmSlug, name);
    const path = `${base.path}/status`;
    const res = await this.request({ path, character: base.character, what: 'character' });
    return this.parse(path, base.character, () => parseStatus(json(res, path, base.character)));
  }

  stats(): BlizzardClientStats {
    return { ...this.counters };
  }

  /** Slots per calendar second this client uses (Blizzard's limit less the margin). */
  get slotsPerSecond(): number {
    return this.pacer.slotsPerSecond;
  }

  /** One API call, retried on its own as the class comment says. */
  private request(req: ApiRequest): Promise<RawResponse> {
    // The concurrency slot is held across retries, so a retried request keeps its place.
    return this.concurrency.schedule(() => this.attempts(req));
  }

  private async attempts(req: ApiRequest): Promise<RawResponse> {
    let rateLimited = 0;
    let transient = 0;
    let reauthorised = false;
    let retry = false;
    for (;;) {
      if (retry) this.counters.retries += 1;
      const token = await this.getToken();
      let res: RawResponse;
      try {
        res = await this.send(req, token, retry);
      } catch (err) {
        if (!(err instanceof BlizzardNetworkError) || transient >= this.transientRetries) throw err;
        await this.backOff(req, err.message, transient++);
        retry = true;
        continue;
      }
      retry = true;
      if (res.status === 401 && !reauthorised) {
        this.log?.info({ path: req.path }, 'Blizzard rejected the token; fetching a new one and retrying once');
        if (this.token?.value === token.value) this.token = undefined;
        reauthorised = true;
        continue;
      }
      if (res.status === 429) {
        const waitMs = this.onRateLimited(req, res.headers.get('retry-after'), res.receivedAt);
        rateLimited += 1;
        if (rateLimited < (this.opts.rateLimitedTries ?? RATE_LIMITED_TRIES) && waitMs <= MAX_HOLD_MS) continue;
        throw new BlizzardRateLimitedError({ path: req.path, character: req.character, retryAfterMs: Math.max(waitMs, 0), tries: rateLimited });
      }
      if (res.status >= 500 && transient < this.transientRetries) {
        await this.backOff(req, `Blizzard answered ${res.status}`, transient++);
        continue;
      }
      return this.check(req, res);
    }
  }

  /** How long a 429 received at `receivedAt` keeps the window closed, until when (epoch ms). */
  private windowOf(header: string | null, receivedAt: number): number {
    // The request was counted in a second that ended by the next calendar second after its answer.
    const secondEnds = (Math.floor(receivedAt / 1000) + 1) * 1000;
    return header ? Math.max(secondEnds, receivedAt + parseRetryAfter(header, receivedAt)) : secondEnds;
  }

  /** A 429 (its window already closed when its headers arrived): count it, log it, say how long to wait. */
  private onRateLimited(req: ApiRequest, header: string | null, receivedAt: number): number {
    const until = this.windowOf(header, receivedAt);
    this.counters.rateLimited += 1;
    this.pacer.closeUntil(until);
    this.log?.warn(
      { path: req.path, character: req.character, retryAfter: header ?? undefined, holdMs: until - receivedAt },
      'Blizzard rate limit hit (429); holding every request of this client until the window closes, then sending this one again',
    );
    return until - receivedAt;
  }

  private async backOff(req: ApiRequest, what: string, attempt: number): Promise<void> {
    const base = TRANSIENT_DELAYS_MS[Math.min(attempt, TRANSIENT_DELAYS_MS.length - 1)]!;
    const ms = Math.round(base * (0.8 + Math.random() * 0.4));
    this.log?.warn({ path: req.path, character: req.character, attempt: attempt + 1, delayMs: ms }, `${what}; trying this request again`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async send(req: ApiRequest, token: Token, retry: boolean): Promise<RawResponse> {
    await this.pacer.acquire({ front: retry });
    // Sent in the same tick as the slot was given, so no 429 can have arrived in between.
    if (Date.now() < this.pacer.closedUntil) this.counters.sentIntoOpenWindow += 1;
    const url = new URL(this.opts.apiUrl.replace(/\/$/, '') + req.path);
    url.searchParams.set('namespace', `profile-${this.opts.region}`);
    url.searchParams.set('locale', 'en_US');
    const headers: Record<string, string> = { authorization: `Bearer ${token.value}`, accept: 'application/json' };
    if (req.ifModifiedSince) headers['if-modified-since'] = req.ifModifiedSince;
    this.counters.requests += 1;
    // Close the window as soon as a 429's headers arrive, before its body is read.
    return this.fetchRaw(url, { headers }, req.path, req.character, (status, h, at) => {
      if (status === 429) this.pacer.closeUntil(this.windowOf(h.get('retry-after'), at));
    });
  }

  private check(req: ApiRequest, res: RawResponse): RawResponse {
    const { path, character } = req;
    if (res.status === 200 || res.status === 304) return res;
    if (res.status === 404) throw new BlizzardNotFoundError({ path, character, what: req.what });
    if (res.status === 401) {
      throw new BlizzardAuthError({ stage: 'api', status: 401, path, character, detail: detailOf(res) });
    }
    if (res.status === 403) throw new BlizzardAuthError({ stage: 'api', status: 403, path, character, detail: detailOf(res) });
    if (res.status >= 500) throw new BlizzardServerError({ status: res.status, path, character, reason: detailOf(res) });
    throw new BlizzardError(`Blizzard answered ${res.status} at ${path}${detailOf(res) ? ` (${detailOf(res)})` : ''}.`, {
      status: res.status,
      path,
      character,
    });
  }

  private getToken(): Promise<Token> {
    if (this.token && this.clock() < this.token.refreshAt) return Promise.resolve(this.token);
    // Concurrent callers share one in-flight token request.
    this.tokenRequest ??= this.fetchToken().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async fetchToken(): Promise<Token> {
    const path = '/token';
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
    this.counters.tokenFetches += 1;
    const res = await this.fetchRaw(
      new URL(this.opts.oauthUrl.replace(/\/$/, '') + path),
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
      },
      path,
    );
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new BlizzardAuthError({ stage: 'token', status: res.status, path, detail: detailOf(res) });
    }
    if (res.status === 429) throw new BlizzardRateLimitedError({ path, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) });
    if (res.status !== 200) throw new BlizzardServerError({ status: res.status, path, reason: detailOf(res) });
    const body = tryJson(res.text) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new BlizzardServerError({ status: res.status, path, reason: 'token response without access_token/expires_in' });
    }
    const lifetimeMs = body.expires_in * 1000;
    const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    this.token = { value: body.access_token, refreshAt: this.clock() + lifetimeMs - margin };
    this.log?.info({ expiresInSeconds: body.expires_in }, 'Fetched a Blizzard access token');
    return this.token;
  }

  private async fetchRaw(
    url: URL,
    init: RequestInit,
    path: string,
    character?: string,
    onHeaders?: (status: number, headers: Headers, receivedAt: number) => void,
  ): Promise<RawResponse> {
    try {
      // The timeout covers headers and body alike.
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const receivedAt = Date.now();
      onHeaders?.(res.status, res.headers, receivedAt);
      return { status: res.status, headers: res.headers, text: await res.text(), receivedAt };
    } catch (err) {
      // Duck-typed: undici's errors may come from another realm (jest's vm), where instanceof fails.
      const name = (err as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new BlizzardNetworkError({ path, character, cause: err, timedOut, timeoutMs: this.opts.timeoutMs });
    }
  }

  private parse<T>(path: string, character: string | undefined, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ShapeError) {
        throw new BlizzardError(`Blizzard sent an unexpected shape at ${path}: ${err.message}`, { status: 200, path, character, cause: err });
      }
      throw err;
    }
  }
}

function characterPath(realmSlug: string, name: string): { path: string; character: string } {
  const realm = realmSlug.toLowerCase();
  // Blizzard wants the name lowercased, then percent-encoded: Zatañña → zata%C3%B1%C3%B1a.
  const lower = name.normalize('NFC').toLowerCase();
  return {
    path: `/profile/wow/character/${encodeURIComponent(realm)}/${encodeURIComponent(lower)}`,
    character: `${name}-${realm}`,
  };
}

function json(res: RawResponse, path: string, character?: string): unknown {
  const body = tryJson(res.text);
  if (body === undefined) throw new BlizzardServerError({ status: res.status, path, character, reason: 'unreadable JSON body' });
  return body;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Blizzard's error bodies say why in `detail` (API) or `error_description` / `error` (OAuth). */
function detailOf(res: RawResponse): string | undefined {
  const body = tryJson(res.text);
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  for (const key of ['detail', 'error_description', 'error']) {
    if (typeof b[key] === 'string' && b[key]) return b[key];
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date; without one, about a second with ±20% jitter. */
export function parseRetryAfter(header: string | null, now = Date.now()): number {
  if (header) {
    const trimmed = header.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return Math.round(DEFAULT_RETRY_AFTER_MS * (0.8 + Math.random() * 0.4));
}
