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
  ratePerSecond: number;
  ratePerHour: number;
  timeoutMs: number;
  logger?: Logger;
  /** Clock for token expiry only (tests move it forward instead of waiting a day). */
  clock?: () => number;
}

export type ProfileResult =
  | { kind: 'profile'; profile: CharacterProfile; lastModified?: string }
  | { kind: 'not_modified' };

export interface BlizzardClientStats {
  requests: number;
  rateLimited: number;
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
const MAX_CONCURRENT = 32;

/**
 * Blizzard Game Data / Profile API client: one OAuth token shared by all callers, one rate limiter
 * per instance, typed errors. It never retries except once after a 401 with a fresh token: retries
 * and their back-off belong to Temporal.
 */
export class BlizzardClient {
  private readonly limiter: Bottleneck;
  private readonly minTimeMs: number;
  private readonly log?: Logger;
  private readonly clock: () => number;
  private token?: Token;
  private tokenRequest?: Promise<Token>;
  private pausedUntil = 0;
  private resumeCursor = 0;
  private readonly counters: BlizzardClientStats = {
    requests: 0,
    rateLimited: 0,
    notModified: 0,
    fullProfiles: 0,
    tokenFetches: 0,
  };

  constructor(private readonly opts: BlizzardClientOptions) {
    // Evenly paced requests can never drain Blizzard's token bucket of ratePerSecond capacity.
    this.minTimeMs = Math.ceil(1000 / opts.ratePerSecond);
    this.limiter = new Bottleneck({
      maxConcurrent: MAX_CONCURRENT,
      minTime: this.minTimeMs,
      reservoir: opts.ratePerHour,
      reservoirRefreshAmount: opts.ratePerHour,
      reservoirRefreshInterval: 3_600_000,
    });
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

  /** One API call: token, then the request; on a 401 one fresh token and one more try. */
  private async request(req: ApiRequest): Promise<RawResponse> {
    const token = await this.getToken();
    let res = await this.send(req, token);
    if (res.status === 401) {
      this.log?.info({ path: req.path }, 'Blizzard rejected the token; fetching a new one and retrying once');
      if (this.token?.value === token.value) this.token = undefined;
      res = await this.send(req, await this.getToken());
      if (res.status === 401) {
        throw new BlizzardAuthError({ stage: 'api', status: 401, path: req.path, character: req.character, detail: detailOf(res) });
      }
    }
    return this.check(req, res);
  }

  private send(req: ApiRequest, token: Token): Promise<RawResponse> {
    return this.limiter.schedule(async () => {
      await this.waitOutPause();
      const url = new URL(this.opts.apiUrl.replace(/\/$/, '') + req.path);
      url.searchParams.set('namespace', `profile-${this.opts.region}`);
      url.searchParams.set('locale', 'en_US');
      const headers: Record<string, string> = { authorization: `Bearer ${token.value}`, accept: 'application/json' };
      if (req.ifModifiedSince) headers['if-modified-since'] = req.ifModifiedSince;
      this.counters.requests += 1;
      return this.fetchRaw(url, { headers }, req.path, req.character);
    });
  }

  private check(req: ApiRequest, res: RawResponse): RawResponse {
    const { path, character } = req;
    if (res.status === 200 || res.status === 304) return res;
    if (res.status === 404) throw new BlizzardNotFoundError({ path, character, what: req.what });
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      this.counters.rateLimited += 1;
      this.pause(retryAfterMs);
      this.log?.warn({ path, retryAfterMs }, 'Blizzard rate limit hit; pausing all requests of this client');
      throw new BlizzardRateLimitedError({ path, character, retryAfterMs });
    }
    if (res.status === 403) throw new BlizzardAuthError({ stage: 'api', status: 403, path, character, detail: detailOf(res) });
    if (res.status >= 500) throw new BlizzardServerError({ status: res.status, path, character, reason: detailOf(res) });
    throw new BlizzardError(`Blizzard answered ${res.status} at ${path}${detailOf(res) ? ` (${detailOf(res)})` : ''}.`, {
      status: res.status,
      path,
      character,
    });
  }

  /** Pauses every request of this client, so siblings back off too instead of collecting 429s. */
  private pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  private async waitOutPause(): Promise<void> {
    const now = Date.now();
    if (now >= this.pausedUntil) return;
    // Release held requests one per minTime after the pause rather than as one burst.
    const at = Math.max(this.pausedUntil, this.resumeCursor + this.minTimeMs);
    this.resumeCursor = at;
    await new Promise((resolve) => setTimeout(resolve, at - now));
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

  private async fetchRaw(url: URL, init: RequestInit, path: string, character?: string): Promise<RawResponse> {
    try {
      // The timeout covers headers and body alike.
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      return { status: res.status, headers: res.headers, text: await res.text() };
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
