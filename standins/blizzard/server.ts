import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../config/logger';
import { CLASSES, type DemoCharacter, type DemoGuild } from './demoGuild';
import { FaultInjector, faultsPatchSchema, type Faults } from './faults';
import { ClientLimits, limitsPatchSchema, type Admission, type LimitSettings, type SecondRecord } from './limits';
import { HttpAnswer, readBody, sendAnswer } from '../http';

/**
 * A local Blizzard: OAuth token endpoint plus the three profile endpoints the sync uses, with the
 * real API's shapes, limits and failure modes, and a small
 * control API under /_standin/ for tests and benchmarks in other processes.
 */

export interface StandinOptions {
  guild: DemoGuild;
  clientId: string;
  clientSecret: string;
  /** More API clients with limits of their own (Blizzard counts per client id). */
  extraClients?: Array<{ clientId: string; clientSecret: string }>;
  perSecond?: number;
  perHour?: number;
  /** Send Retry-After with 429s (default true; Blizzard may leave it out). */
  retryAfter?: boolean;
  tokenTtlSeconds?: number;
  faults?: Partial<Faults>;
  seed?: number;
  logger?: Logger;
}

export interface StandinStats {
  requests: number;
  byEndpoint: { token: number; roster: number; profile: number; status: number };
  status429: number;
  /** Why each 429 was sent: over the per-second limit, into a second already refused, the hourly quota, injected. */
  status429By: { over_limit: number; open_window: number; hour: number; injected: number };
  /** 429s to requests that arrived 1 s or more after the first request (since start or reset). */
  status429AfterFirstSecond: number;
  /**
   * Requests sent after a 429 had reached their client (CLIENT_REACTION_MS allowed for reading it)
   * and arriving while that calendar second's window was still open.
   */
  sentIntoOpenWindow: number;
  /** The most requests one client sent in one calendar second (arrivals, refused ones included). */
  maxRequestsInASecond: number;
  /** ms since the first request (since start or reset) */
  first429At?: number;
  last429At?: number;
  notModified: number;
  fullProfiles: number;
  notFound: number;
  serverErrors: number;
  unauthorized: number;
  /** epoch ms of the first request since start or reset */
  startedAt?: number;
  /** epoch ms of the latest request */
  lastRequestAt?: number;
}

export interface BlizzardStandin {
  /** Serves both the API and OAuth: the token endpoint is `${url}/token`. */
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: Partial<Faults>): void;
  stats(): StandinStats;
  resetStats(): void;
  /** Per client and calendar second: arrivals, 429s, requests sent into an open window. */
  secondsLog(): SecondRecord[];
  setLimits(patch: Partial<LimitSettings>): void;
  /** Forgets every client's per-second and hourly counts. */
  resetLimits(): void;
  expireAllTokens(): void;
  /** The live data: tests rename, re-rank, remove and touch characters between syncs. */
  guild: DemoGuild;
}

const LOCALES = ['en_US', 'es_MX', 'pt_BR', 'de_DE', 'en_GB', 'es_ES', 'fr_FR', 'it_IT', 'pt_PT', 'ru_RU', 'ko_KR', 'zh_TW', 'zh_CN'];
const STATIC_NS = 'static-11.1.0_59095';

type Route =
  | { kind: 'roster'; realm: string; guild: string }
  | { kind: 'profile'; realm: string; name: string }
  | { kind: 'status'; realm: string; name: string };


const apiError = (code: number, type: string, detail: string) => new HttpAnswer(code, { code, type, detail });
const NOT_FOUND = () => apiError(404, 'BLZWEBAPI00000404', 'Not Found');
const tooMany = (retryAfterSeconds: number | undefined) =>
  new HttpAnswer(
    429,
    { code: 429, type: 'BLZWEBAPI00000429', detail: 'Too Many Requests' },
    retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  );

function emptyStats(): StandinStats {
  return {
    requests: 0,
    byEndpoint: { token: 0, roster: 0, profile: 0, status: 0 },
    status429: 0,
    status429By: { over_limit: 0, open_window: 0, hour: 0, injected: 0 },
    status429AfterFirstSecond: 0,
    sentIntoOpenWindow: 0,
    maxRequestsInASecond: 0,
    notModified: 0,
    fullProfiles: 0,
    notFound: 0,
    serverErrors: 0,
    unauthorized: 0,
  };
}

export async function startBlizzardStandin(
  opts: StandinOptions & { port?: number; host?: string },
): Promise<BlizzardStandin> {
  const ttlMs = (opts.tokenTtlSeconds ?? 86_399) * 1000;
  const faults = new FaultInjector(opts.seed ?? 1, opts.faults);
  const limits = new ClientLimits({
    ...(opts.perSecond !== undefined ? { perSecond: opts.perSecond } : {}),
    ...(opts.perHour !== undefined ? { perHour: opts.perHour } : {}),
    ...(opts.retryAfter !== undefined ? { retryAfter: opts.retryAfter } : {}),
  });
  const clients = new Map([[opts.clientId, opts.clientSecret], ...(opts.extraClients ?? []).map((c) => [c.clientId, c.clientSecret] as const)]);
  const tokens = new Map<string, { clientId: string; expiresAt: number; uses: number }>();
  const timers = new Set<NodeJS.Timeout>();
  const index = new CharacterIndex(opts.guild);
  let stats = emptyStats();
  /** The log is read from this calendar second on (reset with the stats; the limits keep counting). */
  let logFrom = 0;

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

  const since = () => Date.now() - (stats.startedAt ?? Date.now());

  function count(answer: HttpAnswer, refusal?: Admission): HttpAnswer {
    if (answer.status === 429) {
      stats.status429 += 1;
      if (refusal && !refusal.ok) stats.status429By[refusal.reason] += 1;
      if (since() >= 1000) stats.status429AfterFirstSecond += 1;
      stats.first429At ??= since();
      stats.last429At = since();
    } else if (answer.status === 404) stats.notFound += 1;
    else if (answer.status === 401) stats.unauthorized += 1;
    else if (answer.status >= 500) stats.serverErrors += 1;
    return answer;
  }

  function issueToken(req: IncomingMessage, body: string): HttpAnswer {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const decoded = scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const clientId = decoded.slice(0, sep);
    if (sep < 0 || !clients.has(clientId) || clients.get(clientId) !== decoded.slice(sep + 1)) {
      return new HttpAnswer(401, { error: 'invalid_client' });
    }
    const grant = new URLSearchParams(body).get('grant_type');
    if (grant !== 'client_credentials') {
      return new HttpAnswer(400, { error: grant ? 'unsupported_grant_type' : 'invalid_request' });
    }
    const accessToken = `US${randomBytes(16).toString('hex')}`;
    tokens.set(accessToken, { clientId, expiresAt: Date.now() + ttlMs, uses: 0 });
    return new HttpAnswer(200, { access_token: accessToken, token_type: 'bearer', expires_in: ttlMs / 1000, sub: clientId });
  }

  /** The client id behind a valid bearer token, counting the use; undefined when missing or expired. */
  function authenticate(req: IncomingMessage): string | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = match ? tokens.get(match[1]!) : undefined;
    if (!token) return undefined;
    token.uses += 1;
    const limit = faults.current.expireTokensAfterRequests;
    if (Date.now() >= token.expiresAt || (limit !== undefined && token.uses > limit)) {
      tokens.delete(match![1]!);
      return undefined;
    }
    return token.clientId;
  }

  interface ApiOutcome {
    answer: HttpAnswer;
    /** The limiter's verdict, when the request got that far. */
    admission?: Admission;
    clientId?: string;
  }

  /**
   * `sentAt`: when the request left the client (the stand-in's handler started); `arrivedAt`: when
   * it reaches Blizzard, sentAt plus the way there as drawn (not as this process's timers managed).
   */
  function api(req: IncomingMessage, url: URL, route: Route | undefined, sentAt: number, arrivedAt: number): ApiOutcome {
    const clientId = authenticate(req);
    if (!clientId) return { answer: apiError(401, 'BLZWEBAPI00000401', 'Unauthorized') };
    const namespace = url.searchParams.get('namespace');
    if (!namespace) return { answer: apiError(403, 'Forbidden', 'Missing namespace') };
    let admission = limits.admit(clientId, sentAt, arrivedAt);
    const scripted = admission.ok && route ? faults.scripted(route.kind) : undefined;
    if (admission.ok && (scripted === 429 || (scripted === undefined && faults.injectRateLimit()))) {
      admission = limits.refuseInjected(clientId, arrivedAt);
    }
    if (!admission.ok) {
      return { answer: tooMany(limits.current.retryAfter ? admission.retryAfterSeconds : undefined), admission, clientId };
    }
    const status = scripted ?? faults.injectServerError();
    if (status) return { answer: apiError(status, `BLZWEBAPI00000${status}`, http.STATUS_CODES[status] ?? 'Server Error'), admission, clientId };
    return { answer: serve(req, url, route, namespace), admission, clientId };
  }

  function serve(req: IncomingMessage, url: URL, route: Route | undefined, namespace: string): HttpAnswer {
    if (!route || !namespace.startsWith('profile-')) return NOT_FOUND();

    const ctx: RenderContext = {
      base: `http://${req.headers.host ?? 'localhost'}`,
      namespace,
      region: namespace.slice('profile-'.length),
      localised: url.searchParams.has('locale'),
    };
    if (route.kind === 'roster') {
      const g = opts.guild;
      if (route.realm !== g.realm.slug || route.guild !== g.slug) return NOT_FOUND();
      return new HttpAnswer(200, rosterBody(g, ctx));
    }
    const c = index.find(route.realm, route.name);
    if (!c) return NOT_FOUND();
    if (route.kind === 'status') return new HttpAnswer(200, { _links: self(ctx, url.pathname), id: c.id, is_valid: true });
    if (faults.isNotFound(c.name, c.realm.slug)) return NOT_FOUND();
    const lastModified = new Date(c.lastModified).toUTCString();
    // A 304 counts toward the limits like any answer: it was admitted above.
    const ifModifiedSince = Date.parse(req.headers['if-modified-since'] ?? '');
    if (!Number.isNaN(ifModifiedSince) && ifModifiedSince >= c.lastModified) {
      stats.notModified += 1;
      return new HttpAnswer(304, undefined, { 'last-modified': lastModified });
    }
    stats.fullProfiles += 1;
    return new HttpAnswer(200, profileBody(opts.guild, c, ctx), { 'last-modified': lastModified });
  }

  function control(req: IncomingMessage, path: string, body: string): HttpAnswer {
    if (req.method === 'GET' && path === '/_standin/stats') return new HttpAnswer(200, currentStats());
    if (req.method === 'POST' && path === '/_standin/stats/reset') {
      resetStats();
      return new HttpAnswer(204);
    }
    if (req.method === 'GET' && path === '/_standin/log') return new HttpAnswer(200, secondsLog());
    if (req.method === 'GET' && path === '/_standin/limits') return new HttpAnswer(200, limits.current);
    if (req.method === 'POST' && path === '/_standin/limits') {
      const patch = limitsPatchSchema.safeParse(tryParse(body));
      if (!patch.success) return new HttpAnswer(400, { error: patch.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      limits.set(patch.data);
      return new HttpAnswer(200, limits.current);
    }
    if (req.method === 'POST' && path === '/_standin/limits/reset') {
      limits.resetQuota();
      return new HttpAnswer(204);
    }
    if (req.method === 'GET' && path === '/_standin/faults') return new HttpAnswer(200, faults.current);
    if (req.method === 'POST' && path === '/_standin/faults') {
      const json = tryParse(body);
      if (json === undefined) return new HttpAnswer(400, { error: 'body must be JSON' });
      const patch = faultsPatchSchema.safeParse(json);
      if (!patch.success) return new HttpAnswer(400, { error: patch.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      faults.set(patch.data);
      return new HttpAnswer(200, faults.current);
    }
    if (req.method === 'POST' && path === '/_standin/tokens/expire') {
      tokens.clear();
      return new HttpAnswer(204);
    }
    return new HttpAnswer(404, { error: 'unknown control endpoint' });
  }

  function resetStats(): void {
    stats = emptyStats();
    logFrom = Math.floor(Date.now() / 1000);
  }

  /** The per-second log since the last stats reset. */
  function secondsLog(): SecondRecord[] {
    return limits.log().filter((r) => r.second >= logFrom);
  }

  function currentStats(): StandinStats {
    const copy = structuredClone(stats);
    for (const r of secondsLog()) {
      copy.sentIntoOpenWindow += r.sentIntoOpenWindow;
      copy.maxRequestsInASecond = Math.max(copy.maxRequestsInASecond, r.requests);
    }
    return copy;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sentAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://standin');
    const body = await readBody(req);
    if (url.pathname.startsWith('/_standin/')) {
      sendAnswer(res, control(req, url.pathname, body), 'application/json;charset=UTF-8');
      return;
    }
    stats.startedAt ??= sentAt;
    stats.lastRequestAt = sentAt;
    stats.requests += 1;
    // A round trip: the way there before the request is counted, the way back after it is answered.
    const roundTrip = faults.latency();
    const there = Math.floor(roundTrip / 2);
    await delay(there);
    let outcome: ApiOutcome;
    if (url.pathname === '/token') {
      stats.byEndpoint.token += 1;
      outcome = { answer: req.method === 'POST' ? issueToken(req, body) : new HttpAnswer(405, { error: 'method_not_allowed' }) };
    } else {
      const route = parseRoute(url.pathname);
      if (route) stats.byEndpoint[route.kind] += 1;
      outcome = req.method === 'GET' ? api(req, url, route, sentAt, sentAt + there) : { answer: NOT_FOUND() };
      count(outcome.answer, outcome.admission);
    }
    await delay(roundTrip - there);
    const { admission, clientId } = outcome;
    if (admission && !admission.ok && clientId) {
      // From now on the client can know the window is open.
      res.once('finish', () => limits.told(clientId, admission.second, Date.now()));
    }
    sendAnswer(res, outcome.answer, 'application/json;charset=UTF-8');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger?.error({ err }, 'Blizzard stand-in failed to answer');
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 500, type: 'BLZWEBAPI00000500', detail: 'Internal Server Error' }));
      }
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    guild: opts.guild,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setFaults: (f) => faults.set(f),
    stats: currentStats,
    resetStats,
    secondsLog,
    setLimits: (patch) => limits.set(patch),
    resetLimits: () => limits.resetQuota(),
    expireAllTokens: () => tokens.clear(),
  };
}

function tryParse(body: string): unknown {
  try {
    return JSON.parse(body || '{}') as unknown;
  } catch {
    return undefined;
  }
}

/** Path segments arrive percent-encoded (`zata%C3%B1%C3%B1a`); match decoded and lowercased. */
function parseRoute(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let decoded: string[];
  try {
    decoded = parts.map((p) => decodeURIComponent(p).normalize('NFC').toLowerCase());
  } catch {
    return undefined;
  }
  const [a, b, c, d, e, f] = decoded;
  if (parts.length === 6 && a === 'data' && b === 'wow' && c === 'guild' && f === 'roster') {
    return { kind: 'roster', realm: d!, guild: e! };
  }
  if (a === 'profile' && b === 'wow' && c === 'character' && d && e) {
    if (parts.length === 5) return { kind: 'profile', realm: d, name: e };
    if (parts.length === 6 && f === 'status') return { kind: 'status', realm: d, name: e };
  }
  return undefined;
}

/** Finds characters by realm and name; rebuilt when the guild changes under it (tests mutate it). */
class CharacterIndex {
  private map = new Map<string, DemoCharacter>();
  private builtFrom?: DemoCharacter[];
  private builtLength = -1;

  constructor(private readonly guild: DemoGuild) {}

  find(realm: string, lowerName: string): DemoCharacter | undefined {
    const key = `${realm}/${lowerName}`;
    const matches = (c: DemoCharacter | undefined) =>
      c !== undefined && `${c.realm.slug}/${c.name.normalize('NFC').toLowerCase()}` === key;
    const stale = this.builtFrom !== this.guild.characters || this.builtLength !== this.guild.characters.length;
    let hit = stale ? undefined : this.map.get(key);
    if (!matches(hit)) {
      this.rebuild();
      hit = this.map.get(key);
    }
    return matches(hit) ? hit : undefined;
  }

  private rebuild(): void {
    this.map = new Map(this.guild.characters.map((c) => [`${c.realm.slug}/${c.name.normalize('NFC').toLowerCase()}`, c]));
    this.builtFrom = this.guild.characters;
    this.builtLength = this.guild.characters.length;
  }
}

// ---- Response shapes, as the real API sends them. ----

interface RenderContext {
  base: string;
  namespace: string;
  region: string;
  /**
   * With a locale the API sends plain strings; without one, every localised string (realm, class,
   * race, spec, faction, gender names) is a locale map. Character and guild names are not localised.
   * The stand-in knows only English, so any locale gets the English string.
   */
  localised: boolean;
}

function text(ctx: RenderContext, value: string): string | Record<string, string> {
  return ctx.localised ? value : Object.fromEntries(LOCALES.map((l) => [l, value]));
}

const key = (ctx: RenderContext, path: string, ns: string) => ({ href: `${ctx.base}${path}?namespace=${ns}` });
const self = (ctx: RenderContext, path: string) => ({ self: key(ctx, path, ctx.namespace) });
const characterPath = (c: DemoCharacter) =>
  `/profile/wow/character/${c.realm.slug}/${encodeURIComponent(c.name.toLowerCase())}`;

function realmRef(ctx: RenderContext, realm: DemoGuild['realm'], withName: boolean) {
  return {
    key: key(ctx, `/data/wow/realm/${realm.id}`, `dynamic-${ctx.region}`),
    ...(withName ? { name: text(ctx, realm.name) } : {}),
    id: realm.id,
    slug: realm.slug,
  };
}

function guildRef(ctx: RenderContext, g: DemoGuild) {
  return {
    key: key(ctx, `/data/wow/guild/${g.realm.slug}/${g.slug}`, ctx.namespace),
    name: g.name,
    id: g.id,
    realm: realmRef(ctx, g.realm, true),
    faction: { type: g.faction, name: text(ctx, g.faction === 'HORDE' ? 'Horde' : 'Alliance') },
  };
}

function rosterBody(g: DemoGuild, ctx: RenderContext) {
  const staticNs = `${STATIC_NS}-${ctx.region}`;
  return {
    _links: self(ctx, `/data/wow/guild/${g.realm.slug}/${g.slug}/roster`),
    guild: guildRef(ctx, g),
    members: g.characters
      .filter((c) => c.inGuild)
      .map((c) => ({
        character: {
          key: key(ctx, characterPath(c), ctx.namespace),
          name: c.name,
          id: c.id,
          realm: realmRef(ctx, c.realm, false),
          level: c.level,
          playable_class: { key: key(ctx, `/data/wow/playable-class/${c.classId}`, staticNs), id: c.classId },
          playable_race: { key: key(ctx, `/data/wow/playable-race/${c.raceId}`, staticNs), id: c.raceId },
          faction: { type: c.faction },
        },
        rank: c.rank,
      })),
  };
}

function profileBody(g: DemoGuild, c: DemoCharacter, ctx: RenderContext) {
  const staticNs = `${STATIC_NS}-${ctx.region}`;
  const path = characterPath(c);
  const link = (sub: string) => key(ctx, `${path}/${sub}`, ctx.namespace);
  const specId = CLASSES[c.classId]?.specs.find(([name]) => name === c.activeSpec)?.[1] ?? 0;
  return {
    _links: self(ctx, path),
    id: c.id,
    name: c.name,
    gender: { type: c.gender, name: text(ctx, c.gender === 'MALE' ? 'Male' : 'Female') },
    faction: { type: c.faction, name: text(ctx, c.faction === 'HORDE' ? 'Horde' : 'Alliance') },
    race: { key: key(ctx, `/data/wow/playable-race/${c.raceId}`, staticNs), name: text(ctx, c.raceName), id: c.raceId },
    character_class: { key: key(ctx, `/data/wow/playable-class/${c.classId}`, staticNs), name: text(ctx, c.className), id: c.classId },
    active_spec: { key: key(ctx, `/data/wow/playable-specialization/${specId}`, staticNs), name: text(ctx, c.activeSpec), id: specId },
    realm: realmRef(ctx, c.realm, true),
    ...(c.inGuild ? { guild: guildRef(ctx, g) } : {}),
    level: c.level,
    experience: 0,
    achievement_points: 2_000 + (c.id % 30_000),
    achievements: link('achievements'),
    titles: link('titles'),
    pvp_summary: link('pvp-summary'),
    encounters: link('encounters'),
    media: link('character-media'),
    last_login_timestamp: c.lastLoginAt,
    average_item_level: c.averageItemLevel,
    equipped_item_level: c.equippedItemLevel,
    specializations: link('specializations'),
    statistics: link('statistics'),
    mythic_keystone_profile: link('mythic-keystone-profile'),
    equipment: link('equipment'),
    appearance: link('appearance'),
    collections: link('collections'),
    reputations: link('reputations'),
    quests: link('quests'),
    achievements_statistics: link('achievements/statistics'),
    professions: link('professions'),
    name_search: c.name.toLowerCase(),
  };
}
