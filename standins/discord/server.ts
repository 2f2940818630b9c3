import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Logger } from '../../config/logger';
import { mulberry32 } from '../blizzard/demoGuild';
import {
  DemoServerError,
  joinServer,
  leaveServer,
  MemberOrder,
  setNick,
  setRoles,
  type DemoDiscordMember,
  type DemoDiscordServer,
  type NewDemoMember,
} from './demoServer';
import { FaultInjector, faultsPatchSchema, rateLimitHeaders, RouteBuckets, type BucketLimit, type DiscordFaults } from './faults';
import { Gateway, type GatewayCounters } from './gateway';
import { MessageStore, validateMessage, type ErrorTree } from './messages';
import { HttpAnswer, readBody, sendAnswer } from '../http';
import { channelJson, errorJson, guildJson, memberJson, messageJson, roleJson, selfUserJson, userJson, type StandinMessage } from './shapes';
import { isSnowflake, SnowflakeClock } from './snowflake';

/**
 * A local Discord: the REST routes the sync and the reporter use (API v10, Discord's shapes,
 * errors and rate-limit headers), the gateway on the same port (`/gateway`), and a control API
 * under `/_standin/` that changes the server live — each change also goes out as a gateway event,
 * unless it is meant to happen while nobody listens. The real, unmodified discord.js client logs
 * into it: give it `rest: { api: standin.apiUrl }`.
 */

export interface DiscordStandinOptions {
  server: DemoDiscordServer;
  /** REST needs `Authorization: Bot <token>`, IDENTIFY the same token; else 401 / close 4004. */
  botToken: string;
  /** 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  faults?: Partial<DiscordFaults>;
  seed?: number;
  /** Whether the bot has the Server Members privileged intent enabled in the developer portal (default true). */
  serverMembersIntentEnabled?: boolean;
  /** How long enforce_nonce dedupes a nonce (default 5 minutes, as Discord says "the past few minutes"). */
  nonceWindowMs?: number;
  /** Sent in HELLO, default 41250. */
  heartbeatIntervalMs?: number;
  /** Per-route bucket sizes (default 50 requests per second for every route). */
  routeLimits?: Partial<Record<RestRouteKind, BucketLimit>>;
  logger?: Logger;
}

export type RestRouteKind =
  | 'gateway'
  | 'gatewayBot'
  | 'usersMe'
  | 'user'
  | 'guild'
  | 'guildRoles'
  | 'guildChannels'
  | 'guildMembers'
  | 'guildMembersSearch'
  | 'guildMember'
  | 'channel'
  | 'channelMessages'
  | 'channelMessage'
  | 'createMessage'
  | 'unknown';

export interface DiscordStandinStats extends GatewayCounters {
  /** REST API requests (not the control API). */
  requests: number;
  byRoute: Record<RestRouteKind, number>;
  status429: number;
  serverErrors: number;
  unauthorized: number;
  forbidden: number;
  notFound: number;
  badRequests: number;
  messagesCreated: number;
  /** enforce_nonce answered with an existing message. */
  nonceDeduplicated: number;
  memberPagesServed: number;
  membersServed: number;
}

export interface DiscordStandin {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api`: discord.js `rest: { api }` (it appends /v10) and DISCORD_API_URL. */
  apiUrl: string;
  /** ws://127.0.0.1:PORT/gateway (what GET /api/v10/gateway/bot returns). */
  gatewayUrl: string;
  port: number;
  server: DemoDiscordServer;
  setFaults(f: Partial<DiscordFaults>): void;
  faults(): DiscordFaults;
  setNonceWindowMs(ms: number): void;
  setServerMembersIntentEnabled(on: boolean): void;
  stats(): DiscordStandinStats;
  resetStats(): void;
  /** Joins (joined_at = now) and dispatches GUILD_MEMBER_ADD; a departed user id re-joins. */
  addMember(m: NewDemoMember): DemoDiscordMember;
  /** Leaves (kicked/left) and dispatches GUILD_MEMBER_REMOVE. */
  removeMember(userId: string): void;
  /** Replaces the roles and dispatches GUILD_MEMBER_UPDATE. */
  setMemberRoles(userId: string, roleIds: string[]): DemoDiscordMember;
  /** Sets or clears the nickname and dispatches GUILD_MEMBER_UPDATE. */
  setNickname(userId: string, nick: string | null): DemoDiscordMember;
  /** Changes data WITHOUT dispatching (what happened while our listener was down). */
  addMemberSilently(m: NewDemoMember): DemoDiscordMember;
  removeMemberSilently(userId: string): void;
  setMemberRolesSilently(userId: string, roleIds: string[]): DemoDiscordMember;
  /** Cuts every gateway socket without a close frame; the client RESUMEs and gets the missed events. */
  dropGatewayConnections(): void;
  /** Closes sockets with a close code (4000 resumable; 4009 ends the session). */
  closeGatewayConnections(code: number): void;
  /** Sends op 7 RECONNECT: the client reconnects and RESUMEs. */
  requestGatewayReconnect(): void;
  /** What was posted to the channel, oldest first. */
  messages(channelId: string): StandinMessage[];
  close(): Promise<void>;
}

const ROUTE_KINDS: RestRouteKind[] = [
  'gateway', 'gatewayBot', 'usersMe', 'user', 'guild', 'guildRoles', 'guildChannels', 'guildMembers',
  'guildMembersSearch', 'guildMember', 'channel', 'channelMessages', 'channelMessage', 'createMessage', 'unknown',
];

interface RouteDef {
  method: 'GET' | 'POST';
  segments: string[];
  kind: RestRouteKind;
  auth: boolean;
}

/** Literal routes come before parameter routes of the same shape (`members/search` before `members/:user`). */
const ROUTES: RouteDef[] = (
  [
    ['GET', 'gateway', 'gateway', false],
    ['GET', 'gateway/bot', 'gatewayBot', true],
    ['GET', 'users/@me', 'usersMe', true],
    ['GET', 'users/:user', 'user', true],
    ['GET', 'guilds/:guild', 'guild', true],
    ['GET', 'guilds/:guild/roles', 'guildRoles', true],
    ['GET', 'guilds/:guild/channels', 'guildChannels', true],
    ['GET', 'guilds/:guild/members', 'guildMembers', true],
    ['GET', 'guilds/:guild/members/search', 'guildMembersSearch', true],
    ['GET', 'guilds/:guild/members/:user', 'guildMember', true],
    ['GET', 'channels/:channel', 'channel', true],
    ['GET', 'channels/:channel/messages', 'channelMessages', true],
    ['POST', 'channels/:channel/messages', 'createMessage', true],
    ['GET', 'channels/:channel/messages/:message', 'channelMessage', true],
  ] as const
).map(([method, path, kind, auth]) => ({ method, segments: path.split('/'), kind, auth }));

type Params = Record<string, string>;

function matchRoute(method: string, segments: string[]): { def: RouteDef; params: Params } | 'method-not-allowed' | undefined {
  let pathMatched = false;
  for (const def of ROUTES) {
    if (def.segments.length !== segments.length) continue;
    const params: Params = {};
    const ok = def.segments.every((s, i) => {
      if (s.startsWith(':')) {
        params[s.slice(1)] = segments[i]!;
        return true;
      }
      return s === segments[i];
    });
    if (!ok) continue;
    if (def.method === method) return { def, params };
    pathMatched = true;
  }
  return pathMatched ? 'method-not-allowed' : undefined;
}


const invalidForm = (errors: ErrorTree) => new HttpAnswer(400, errorJson('Invalid Form Body', 50035, errors));
const coerceError = (name: string, value: string, type: 'int' | 'snowflake') =>
  invalidForm({ [name]: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: `Value "${value}" is not ${type}.` }] } });
const NOT_FOUND = () => new HttpAnswer(404, errorJson('404: Not Found', 0));
const unknown = (what: 'Guild' | 'Channel' | 'Member' | 'Message' | 'User') =>
  new HttpAnswer(404, errorJson(`Unknown ${what}`, { Guild: 10004, Channel: 10003, Member: 10007, Message: 10008, User: 10013 }[what]));

function tooMany(retryAfterSeconds: number, scope: 'user' | 'shared'): HttpAnswer {
  const retry = Math.max(0.001, retryAfterSeconds);
  const seconds = Number(retry.toFixed(3));
  return new HttpAnswer(
    429,
    { message: 'You are being rate limited.', retry_after: seconds, global: false },
    {
      'retry-after': String(seconds),
      'x-ratelimit-scope': scope,
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': retry.toFixed(3),
      'x-ratelimit-reset': ((Date.now() + retry * 1000) / 1000).toFixed(3),
    },
  );
}

function serverError(status: 500 | 502 | 503): HttpAnswer {
  if (status === 502) {
    // What Cloudflare answers in front of Discord: HTML, not JSON.
    return new HttpAnswer(502, undefined, { 'content-type': 'text/html' }, '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n');
  }
  return new HttpAnswer(status, errorJson(`${status}: ${http.STATUS_CODES[status] ?? 'Server Error'}`, 0));
}

/** `?name=` as an integer in [min, max] (Discord's query validation and messages). */
function intParam(url: URL, name: string, min: number, max: number, fallback: number): number | HttpAnswer {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) return coerceError(name, raw, 'int');
  const n = Number(raw);
  if (n < min) return invalidForm({ [name]: { _errors: [{ code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${min}.` }] } });
  if (n > max) return invalidForm({ [name]: { _errors: [{ code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${max}.` }] } });
  return n;
}

/** `?name=` as a snowflake, normalised (no leading zeros). */
function snowflakeParam(url: URL, name: string): string | undefined | HttpAnswer {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!isSnowflake(raw.trim())) return coerceError(name, raw, 'snowflake');
  return BigInt(raw.trim()).toString();
}

function emptyStats(): DiscordStandinStats {
  return {
    requests: 0,
    byRoute: Object.fromEntries(ROUTE_KINDS.map((k) => [k, 0])) as Record<RestRouteKind, number>,
    status429: 0,
    serverErrors: 0,
    unauthorized: 0,
    forbidden: 0,
    notFound: 0,
    badRequests: 0,
    messagesCreated: 0,
    nonceDeduplicated: 0,
    memberPagesServed: 0,
    membersServed: 0,
    gatewayConnections: 0,
    identifies: 0,
    resumes: 0,
    invalidSessions: 0,
    heartbeats: 0,
    dispatches: 0,
    memberChunkRequests: 0,
    gatewayCloses: {},
  };
}

// ---- Control API bodies ----

const snowflake = z.string().refine(isSnowflake, 'a snowflake (decimal digits)');
const newMemberSchema = z
  .object({
    id: snowflake.optional(),
    username: z.string().min(2).max(32),
    globalName: z.string().min(1).max(32).nullable().optional(),
    nick: z.string().min(1).max(32).nullable().optional(),
    roles: z.array(snowflake).optional(),
    bot: z.boolean().optional(),
    /** true: change the data without a gateway event. */
    silent: z.boolean().optional(),
  })
  .strict();
const rolesSchema = z.object({ roles: z.array(snowflake) }).strict();
const nickSchema = z.object({ nick: z.string().min(1).max(32).nullable() }).strict();
const settingsSchema = z
  .object({ nonceWindowMs: z.number().int().min(0), serverMembersIntentEnabled: z.boolean() })
  .partial()
  .strict();
const closeSchema = z.object({ code: z.number().int().min(1000).max(4999) }).strict();

export async function startDiscordStandin(opts: DiscordStandinOptions): Promise<DiscordStandin> {
  const { server, botToken, logger } = opts;
  const faults = new FaultInjector(opts.seed ?? 1, opts.faults);
  const idRandom = mulberry32((opts.seed ?? 1) ^ 0x9e3779b9);
  const clock = new SnowflakeClock(2);
  const store = new MessageStore(clock, opts.nonceWindowMs ?? 5 * 60_000);
  const order = new MemberOrder();
  const buckets = new RouteBuckets((kind) => opts.routeLimits?.[kind as RestRouteKind] ?? { limit: 50, windowMs: 1000 });
  let membersIntent = opts.serverMembersIntentEnabled ?? true;
  let stats = emptyStats();
  const timers = new Set<NodeJS.Timeout>();
  const sessionStarts = { windowStart: Date.now(), used: 0 };
  let urls = { url: '', apiUrl: '', gatewayUrl: '' };

  const gateway = new Gateway({
    server,
    botToken,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
    serverMembersIntentEnabled: () => membersIntent,
    gatewayUrl: () => urls.gatewayUrl,
    lastMessageIds: () => store.lastMessageIds(),
    counters: () => stats,
    // Every IDENTIFY spends one of the day's session starts (GET /gateway/bot reports them).
    onIdentify: () => {
      sessionStartLimit();
      sessionStarts.used += 1;
    },
    logger,
  });

  const delay = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  function count(answer: HttpAnswer): HttpAnswer {
    if (answer.status === 429) stats.status429 += 1;
    else if (answer.status >= 500) stats.serverErrors += 1;
    else if (answer.status === 401) stats.unauthorized += 1;
    else if (answer.status === 403) stats.forbidden += 1;
    else if (answer.status === 404) stats.notFound += 1;
    else if (answer.status === 400) stats.badRequests += 1;
    return answer;
  }

  function authorised(req: IncomingMessage): boolean {
    const m = /^Bot\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && m[1] === botToken;
  }

  function checkGuild(id: string): HttpAnswer | undefined {
    if (!isSnowflake(id)) return invalidForm({ guild_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: `Value "${id}" is not snowflake.` }] } });
    return id === server.guildId ? undefined : unknown('Guild');
  }

  function findChannel(id: string) {
    if (!isSnowflake(id)) return invalidForm({ channel_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: `Value "${id}" is not snowflake.` }] } });
    return server.channels.find((c) => c.id === id) ?? unknown('Channel');
  }

  function sessionStartLimit() {
    const day = 86_400_000;
    const now = Date.now();
    if (now - sessionStarts.windowStart >= day) {
      sessionStarts.windowStart = now;
      sessionStarts.used = 0;
    }
    return { total: 1000, remaining: Math.max(0, 1000 - sessionStarts.used), reset_after: sessionStarts.windowStart + day - now, max_concurrency: 1 };
  }

  function listMembers(url: URL): HttpAnswer {
    const limit = intParam(url, 'limit', 1, 1000, 1);
    if (limit instanceof HttpAnswer) return limit;
    const after = snowflakeParam(url, 'after');
    if (after instanceof HttpAnswer) return after;
    const ids = order.sorted(server);
    // First id numerically greater than `after` (binary search, BigInt comparison).
    const floor = BigInt(after ?? '0');
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (BigInt(ids[mid]!) > floor) hi = mid;
      else lo = mid + 1;
    }
    const page = ids.slice(lo, lo + limit).map((id) => memberJson(server.members.get(id)!));
    stats.memberPagesServed += 1;
    stats.membersServed += page.length;
    return new HttpAnswer(200, page);
  }

  function searchMembers(url: URL): HttpAnswer {
    const query = url.searchParams.get('query');
    if (query === null || query.length === 0) return invalidForm({ query: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } });
    const limit = intParam(url, 'limit', 1, 1000, 1);
    if (limit instanceof HttpAnswer) return limit;
    const q = query.toLowerCase();
    const hits: DemoDiscordMember[] = [];
    for (const id of order.sorted(server)) {
      const m = server.members.get(id)!;
      const names = [m.user.username, m.user.global_name ?? '', m.nick ?? ''].map((n) => n.toLowerCase());
      if (names.some((n) => n.startsWith(q))) hits.push(m);
      if (hits.length >= limit) break;
    }
    return new HttpAnswer(200, hits.map(memberJson));
  }

  async function createMessage(req: IncomingMessage, channelId: string, rawBody: string): Promise<HttpAnswer> {
    const channel = findChannel(channelId);
    if (channel instanceof HttpAnswer) return channel;
    if (channel.type !== 0) return new HttpAnswer(400, errorJson('Cannot send messages in a non-text channel', 50008));
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      if ((req.headers['content-type'] ?? '').startsWith('multipart/')) {
        logger?.warn('Discord stand-in: multipart message bodies (files) are not supported; send JSON');
      }
      return new HttpAnswer(400, errorJson('The request body contains invalid JSON.', 50109));
    }
    const valid = validateMessage(json);
    if (!valid.ok) return new HttpAnswer(400, errorJson(valid.message, valid.code, valid.errors));

    const fault = faults.takeMessageFault();
    if (fault === 'rate-limit') return tooMany(faults.current.retryAfterSeconds, 'user');
    if (fault === 'fail-before') return serverError(500);

    const { body } = valid;
    const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : undefined;
    const author = userJson(server.botUser);
    let message = body.enforce_nonce && nonce !== undefined ? store.findByNonce(channelId, author.id, nonce) : undefined;
    if (message) {
      stats.nonceDeduplicated += 1;
    } else {
      message = store.create(channelId, author, body);
      stats.messagesCreated += 1;
      gateway.messageCreated(messageJson(message), server.members.get(server.botUser.id));
    }
    if (fault === 'fail-after') return serverError(500);
    if (fault === 'hang-after') await delay(faults.current.hangAfterCreateMs);
    return new HttpAnswer(200, messageJson(message));
  }

  async function api(req: IncomingMessage, url: URL, segments: string[], rawBody: string): Promise<HttpAnswer> {
    const match = matchRoute(req.method ?? 'GET', segments);
    if (match === undefined) {
      stats.byRoute.unknown += 1;
      return NOT_FOUND();
    }
    if (match === 'method-not-allowed') {
      stats.byRoute.unknown += 1;
      return new HttpAnswer(405, errorJson('405: Method Not Allowed', 0));
    }
    const { def, params } = match;
    stats.byRoute[def.kind] += 1;
    if (def.auth && !authorised(req)) return new HttpAnswer(401, errorJson('401: Unauthorized', 0));

    const major = params.guild ?? params.channel ?? 'global';
    const bucket = buckets.take(def.kind, major);
    const limitHeaders = rateLimitHeaders(bucket);
    const withLimits = (a: HttpAnswer) => new HttpAnswer(a.status, a.body, { ...limitHeaders, ...a.headers }, a.raw);
    if (!bucket.allowed) return withLimits(tooMany(bucket.resetAfterMs / 1000, 'user'));

    await delay(faults.current.latencyMs);
    // Login must work: GET /gateway(/bot) gets latency but no injected failures.
    if (def.kind !== 'gateway' && def.kind !== 'gatewayBot') {
      if (faults.injectRateLimit()) return withLimits(tooMany(faults.current.retryAfterSeconds, 'shared'));
      const status = faults.injectServerError();
      if (status) return withLimits(serverError(status));
    }
    return withLimits(await route(req, url, def.kind, params, rawBody));
  }

  async function route(req: IncomingMessage, url: URL, kind: RestRouteKind, p: Params, rawBody: string): Promise<HttpAnswer> {
    switch (kind) {
      case 'gateway':
        return new HttpAnswer(200, { url: urls.gatewayUrl });
      case 'gatewayBot':
        return new HttpAnswer(200, { url: urls.gatewayUrl, shards: 1, session_start_limit: sessionStartLimit() });
      case 'usersMe':
        return new HttpAnswer(200, selfUserJson(server.botUser));
      case 'user': {
        if (!isSnowflake(p.user!)) return coerceError('user_id', p.user!, 'snowflake');
        const user = p.user === server.botUser.id ? server.botUser : (server.members.get(p.user!) ?? server.departed.get(p.user!))?.user;
        return user ? new HttpAnswer(200, userJson(user)) : unknown('User');
      }
      case 'guild':
        return checkGuild(p.guild!) ?? new HttpAnswer(200, guildJson(server, url.searchParams.get('with_counts') === 'true'));
      case 'guildRoles':
        return checkGuild(p.guild!) ?? new HttpAnswer(200, server.roles.map(roleJson));
      case 'guildChannels': {
        const last = store.lastMessageIds();
        return checkGuild(p.guild!) ?? new HttpAnswer(200, server.channels.map((c) => channelJson(c, server.guildId, last.get(c.id) ?? null)));
      }
      case 'guildMembers':
      case 'guildMembersSearch': {
        const bad = checkGuild(p.guild!);
        if (bad) return bad;
        // Listing members needs the Server Members intent switched on in the developer portal.
        if (!membersIntent) return new HttpAnswer(403, errorJson('Missing Access', 50001));
        return kind === 'guildMembers' ? listMembers(url) : searchMembers(url);
      }
      case 'guildMember': {
        const bad = checkGuild(p.guild!);
        if (bad) return bad;
        if (!isSnowflake(p.user!)) return coerceError('user_id', p.user!, 'snowflake');
        const m = server.members.get(p.user!);
        return m ? new HttpAnswer(200, memberJson(m)) : unknown('Member');
      }
      case 'channel': {
        const c = findChannel(p.channel!);
        return c instanceof HttpAnswer ? c : new HttpAnswer(200, channelJson(c, server.guildId, store.lastMessageIds().get(c.id) ?? null));
      }
      case 'channelMessages': {
        const c = findChannel(p.channel!);
        if (c instanceof HttpAnswer) return c;
        const limit = intParam(url, 'limit', 1, 100, 50);
        if (limit instanceof HttpAnswer) return limit;
        const before = snowflakeParam(url, 'before');
        if (before instanceof HttpAnswer) return before;
        const after = snowflakeParam(url, 'after');
        if (after instanceof HttpAnswer) return after;
        const around = snowflakeParam(url, 'around');
        if (around instanceof HttpAnswer) return around;
        return new HttpAnswer(200, store.page(c.id, { limit, before, after, around }).map(messageJson));
      }
      case 'channelMessage': {
        const c = findChannel(p.channel!);
        if (c instanceof HttpAnswer) return c;
        const m = isSnowflake(p.message!) ? store.get(c.id, p.message!) : undefined;
        return m ? new HttpAnswer(200, messageJson(m)) : unknown('Message');
      }
      case 'createMessage':
        return createMessage(req, p.channel!, rawBody);
      default:
        return NOT_FOUND();
    }
  }

  // ---- Live changes ----

  const live = {
    addMember(m: NewDemoMember, dispatch: boolean): DemoDiscordMember {
      const member = joinServer(server, m, { random: idRandom });
      if (dispatch) gateway.memberAdded(member);
      return member;
    },
    removeMember(userId: string, dispatch: boolean): void {
      const gone = leaveServer(server, userId);
      if (dispatch) gateway.memberRemoved(gone);
    },
    setRoles(userId: string, roles: string[], dispatch: boolean): DemoDiscordMember {
      const member = setRoles(server, userId, roles);
      if (dispatch) gateway.memberUpdated(member);
      return member;
    },
    setNick(userId: string, nick: string | null): DemoDiscordMember {
      const member = setNick(server, userId, nick);
      gateway.memberUpdated(member);
      return member;
    },
  };

  function parseJson<T>(schema: z.ZodType<T>, body: string): T | HttpAnswer {
    let json: unknown;
    try {
      json = JSON.parse(body || '{}');
    } catch {
      return new HttpAnswer(400, { error: 'body must be JSON' });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) return new HttpAnswer(400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) });
    return parsed.data;
  }

  function control(req: IncomingMessage, path: string, body: string): HttpAnswer {
    const method = req.method ?? 'GET';
    const parts = path.split('/').filter(Boolean).slice(1); // after "_standin"
    const [a, b, c] = parts;
    try {
      if (method === 'GET' && a === 'stats' && parts.length === 1) return new HttpAnswer(200, standin.stats());
      if (method === 'POST' && a === 'stats' && b === 'reset') {
        standin.resetStats();
        return new HttpAnswer(204);
      }
      if (a === 'faults' && parts.length === 1) {
        if (method === 'GET') return new HttpAnswer(200, faults.current);
        if (method === 'POST') {
          const patch = parseJson(faultsPatchSchema, body);
          if (patch instanceof HttpAnswer) return patch;
          faults.set(patch);
          return new HttpAnswer(200, faults.current);
        }
      }
      if (method === 'POST' && a === 'settings' && parts.length === 1) {
        const patch = parseJson(settingsSchema, body);
        if (patch instanceof HttpAnswer) return patch;
        if (patch.nonceWindowMs !== undefined) standin.setNonceWindowMs(patch.nonceWindowMs);
        if (patch.serverMembersIntentEnabled !== undefined) standin.setServerMembersIntentEnabled(patch.serverMembersIntentEnabled);
        return new HttpAnswer(200, { nonceWindowMs: store.nonceWindowMs, serverMembersIntentEnabled: membersIntent });
      }
      if (method === 'GET' && a === 'server' && parts.length === 1) {
        return new HttpAnswer(200, {
          guildId: server.guildId,
          name: server.name,
          applicationId: server.applicationId,
          botUser: userJson(server.botUser),
          auditChannelId: server.auditChannelId,
          generalChannelId: server.generalChannelId,
          memberCount: server.members.size,
          roles: server.roles.map(roleJson),
          channels: server.channels.map((ch) => channelJson(ch, server.guildId, null)),
          urls,
        });
      }
      if (a === 'members') {
        if (method === 'GET' && parts.length === 1) {
          return new HttpAnswer(200, order.sorted(server).map((id) => ({ ...memberJson(server.members.get(id)!), demo: server.members.get(id)!.demo })));
        }
        if (method === 'POST' && parts.length === 1) {
          const m = parseJson(newMemberSchema, body);
          if (m instanceof HttpAnswer) return m;
          const { silent, ...member } = m;
          return new HttpAnswer(201, memberJson(live.addMember(member, !silent)));
        }
        if (method === 'DELETE' && b && parts.length === 2) {
          live.removeMember(b, true);
          return new HttpAnswer(204);
        }
        if (method === 'PUT' && b && c === 'roles' && parts.length === 3) {
          const r = parseJson(rolesSchema, body);
          if (r instanceof HttpAnswer) return r;
          return new HttpAnswer(200, memberJson(live.setRoles(b, r.roles, true)));
        }
        if (method === 'PATCH' && b && parts.length === 2) {
          const n = parseJson(nickSchema, body);
          if (n instanceof HttpAnswer) return n;
          return new HttpAnswer(200, memberJson(live.setNick(b, n.nick)));
        }
      }
      if (method === 'POST' && a === 'gateway' && parts.length === 2) {
        if (b === 'drop') {
          gateway.drop();
          return new HttpAnswer(204);
        }
        if (b === 'reconnect') {
          gateway.requestReconnect();
          return new HttpAnswer(204);
        }
        if (b === 'close') {
          const r = parseJson(closeSchema, body);
          if (r instanceof HttpAnswer) return r;
          gateway.closeAll(r.code);
          return new HttpAnswer(204);
        }
      }
      if (method === 'GET' && a === 'channels' && b && c === 'messages' && parts.length === 3) {
        return new HttpAnswer(200, store.list(b).map(messageJson));
      }
    } catch (err) {
      if (err instanceof DemoServerError) return new HttpAnswer(err.status, { error: err.message });
      throw err;
    }
    return new HttpAnswer(404, { error: 'unknown control endpoint' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const body = await readBody(req);
    let answer: HttpAnswer;
    if (url.pathname.startsWith('/_standin/')) {
      answer = control(req, url.pathname, body);
    } else {
      // Clients percent-encode path parameters (discord-api-types' Routes.user() sends /users/%40me).
      const segments = url.pathname.split('/').filter(Boolean).map(decodeSegment);
      if (segments[0] === 'api' && (segments[1] === 'v10' || segments[1] === 'v9')) {
        stats.requests += 1;
        answer = count(await api(req, url, segments.slice(2), body));
        logger?.debug({ method: req.method, path: url.pathname, status: answer.status }, 'Discord stand-in request');
      } else {
        answer = NOT_FOUND();
      }
    }
    sendAnswer(res, answer);
  }

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error({ err }, 'Discord stand-in failed to answer');
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorJson('500: Internal Server Error', 0)));
      }
    });
  });
  httpServer.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    if (path !== '/gateway' && path !== '/gateway/') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    gateway.handleUpgrade(req, socket, head);
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  urls = { url: `http://${hostPart}:${port}`, apiUrl: `http://${hostPart}:${port}/api`, gatewayUrl: `ws://${hostPart}:${port}/gateway` };

  const standin: DiscordStandin = {
    ...urls,
    port,
    server,
    setFaults: (f) => faults.set(f),
    faults: () => faults.current,
    setNonceWindowMs: (ms) => {
      store.nonceWindowMs = ms;
    },
    setServerMembersIntentEnabled: (on) => {
      membersIntent = on;
    },
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    addMember: (m) => live.addMember(m, true),
    removeMember: (id) => live.removeMember(id, true),
    setMemberRoles: (id, roles) => live.setRoles(id, roles, true),
    setNickname: (id, nick) => live.setNick(id, nick),
    addMemberSilently: (m) => live.addMember(m, false),
    removeMemberSilently: (id) => live.removeMember(id, false),
    setMemberRolesSilently: (id, roles) => live.setRoles(id, roles, false),
    dropGatewayConnections: () => gateway.drop(),
    closeGatewayConnections: (code) => gateway.closeAll(code),
    requestGatewayReconnect: () => gateway.requestReconnect(),
    messages: (channelId) => store.list(channelId),
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await gateway.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
  return standin;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
