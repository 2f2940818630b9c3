import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { generateDemoGuild, removeFromGuild, touchProfile, type DemoGuild } from '../../standins/blizzard/demoGuild';
import { HOME_ROUND_TRIP } from '../../standins/blizzard/faults';
import { startBlizzardStandin, type BlizzardStandin, type StandinOptions } from '../../standins/blizzard/server';
import { BlizzardClient, parseRetryAfter, type BlizzardClientOptions } from './client';
import {
  BlizzardAuthError,
  BlizzardError,
  BlizzardNetworkError,
  BlizzardNotFoundError,
  BlizzardRateLimitedError,
  BlizzardServerError,
} from './errors';
import { parseRoster } from './types';

const CREDS = { clientId: 'client-test-id', clientSecret: 'client-test-secret-never-logged' };
const GUILD_SLUG = 'pull-all-the-things';
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Setup {
  standin: BlizzardStandin;
  guild: DemoGuild;
  client: BlizzardClient;
  logs: string[];
}

async function setup(standinOpts: Partial<StandinOptions> = {}, clientOpts: Partial<BlizzardClientOptions> = {}): Promise<Setup> {
  const guild = generateDemoGuild({ size: 60, seed: 7 });
  const standin = await startBlizzardStandin({ ...CREDS, guild, ...standinOpts });
  closers.push(() => standin.close());
  const logs: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => logs.push(line) });
  const client = new BlizzardClient({
    apiUrl: standin.url,
    oauthUrl: standin.url,
    ...CREDS,
    region: 'us',
    ratePerSecond: 100,
    ratePerHour: 36_000,
    timeoutMs: 5_000,
    logger,
    ...clientOpts,
  });
  return { standin, guild, client, logs };
}

/** Resolves to the rejection of `promise`, failing the test if it resolves instead. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('token handling', () => {
  it('fetches one token and reuses it, even for concurrent first calls', async () => {
    const { client, standin } = await setup();
    await Promise.all(Array.from({ length: 10 }, () => client.getCharacterStatus('senjin', 'Trogmoon')));
    await client.getCharacterStatus('senjin', 'Trogmoon');
    expect(client.stats().tokenFetches).toBe(1);
    expect(standin.stats().byEndpoint.token).toBe(1);
    expect(client.stats().requests).toBe(11);
  });

  it('refreshes the token before it expires, not after a 401', async () => {
    let now = 1_000_000;
    const { client, standin } = await setup({}, { clock: () => now });
    await client.getCharacterStatus('senjin', 'Trogmoon');
    now += (86_399 - 120) * 1000;
    await client.getCharacterStatus('senjin', 'Trogmoon');
    expect(client.stats().tokenFetches).toBe(1);
    now += 90 * 1000; // within the last minute of the token's life
    await client.getCharacterStatus('senjin', 'Trogmoon');
    expect(client.stats().tokenFetches).toBe(2);
    expect(standin.stats().unauthorized).toBe(0);
  });

  it('recovers transparently when tokens expire mid-run (expireTokensAfterRequests)', async () => {
    const { client, standin } = await setup({ faults: { expireTokensAfterRequests: 3 } });
    for (let i = 0; i < 10; i += 1) {
      await expect(client.getCharacterStatus('senjin', 'Trogmoon')).resolves.toMatchObject({ isValid: true });
    }
    expect(client.stats().tokenFetches).toBe(4);
    expect(standin.stats().unauthorized).toBe(3);
  });

  it('recovers transparently after expireAllTokens', async () => {
    const { client, standin } = await setup();
    await client.getCharacterStatus('senjin', 'Trogmoon');
    standin.expireAllTokens();
    await expect(client.getGuildRoster('senjin', GUILD_SLUG)).resolves.toMatchObject({ guild: { name: 'Pull All The Things' } });
    expect(client.stats().tokenFetches).toBe(2);
  });

  it('throws BlizzardAuthError naming the variables for bad credentials, without the secret', async () => {
    const { client } = await setup({ clientSecret: 'the-real-secret' });
    const err = await rejectionOf(client.getCharacterStatus('senjin', 'Trogmoon'));
    expect(err).toBeInstanceOf(BlizzardAuthError);
    const auth = err as BlizzardAuthError;
    expect(auth.message).toMatch(/BLIZZARD_CLIENT_ID.*BLIZZARD_CLIENT_SECRET/);
    expect(auth.message).not.toContain(CREDS.clientSecret);
    expect(auth).toMatchObject({ service: 'blizzard', status: 401, path: '/token', retryable: false });
    expect(client.stats().requests).toBe(0);
  });

  it('retries a 401 only once, then throws BlizzardAuthError', async () => {
    const { client, standin } = await setup({ tokenTtlSeconds: 0 });
    const err = await rejectionOf(client.getCharacterStatus('senjin', 'Trogmoon'));
    expect(err).toBeInstanceOf(BlizzardAuthError);
    expect((err as BlizzardAuthError).status).toBe(401);
    expect(client.stats()).toMatchObject({ tokenFetches: 2, requests: 2 });
    expect(standin.stats().unauthorized).toBe(2);
  });

  it('never logs the secret or a token', async () => {
    const { client, logs, standin } = await setup({ faults: { expireTokensAfterRequests: 1, rateLimitRate: 0 } }, { rateLimitedTries: 1 });
    await client.getGuildRoster('senjin', GUILD_SLUG);
    await client.getCharacterProfile('senjin', 'Trogmoon');
    standin.setFaults({ rateLimitRate: 1 });
    await rejectionOf(client.getCharacterProfile('senjin', 'Trogmoon'));
    const all = logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(all).not.toContain(CREDS.clientSecret);
    expect(all).not.toMatch(/US[0-9a-f]{32}/);
    expect(all).not.toMatch(/Bearer|Basic /);
  });
});

describe('requests', () => {
  it('reaches Zatañña on sargeras, not the Zatanna alt on senjin', async () => {
    const { client, guild } = await setup();
    const result = await client.getCharacterProfile('Sargeras', 'Zatañña');
    const zat = guild.characters.find((c) => c.name === 'Zatañña')!;
    expect(result).toMatchObject({ kind: 'profile', profile: { blizzardCharacterId: zat.id, name: 'Zatañña', realmSlug: 'sargeras' } });
    const alt = await client.getCharacterProfile('senjin', 'Zatanna');
    expect(alt.kind === 'profile' && alt.profile.blizzardCharacterId).not.toBe(zat.id);
  });

  it('sends namespace and locale, so names come back as plain strings', async () => {
    const { client, guild } = await setup();
    const trog = guild.characters.find((c) => c.name === 'Trogmoon')!;
    const result = await client.getCharacterProfile('senjin', 'Trogmoon');
    if (result.kind !== 'profile') throw new Error('expected a profile');
    expect(result.profile).toEqual({
      blizzardCharacterId: trog.id,
      name: 'Trogmoon',
      realmSlug: 'senjin',
      realmName: "Sen'jin",
      level: 80,
      classId: 11,
      className: 'Druid',
      raceName: 'Tauren',
      activeSpec: 'Balance',
      faction: 'HORDE',
      averageItemLevel: trog.averageItemLevel,
      equippedItemLevel: trog.equippedItemLevel,
      lastLoginAt: new Date(trog.lastLoginAt),
    });
    expect(result.lastModified).toBe(new Date(trog.lastModified).toUTCString());
    expect(client.stats().fullProfiles).toBe(1);
  });

  it('sends If-Modified-Since and returns not_modified until the profile changes', async () => {
    const { client, guild, standin } = await setup();
    const first = await client.getCharacterProfile('senjin', 'Trogmoon');
    if (first.kind !== 'profile') throw new Error('expected a profile');
    const since = first.lastModified!;
    await expect(client.getCharacterProfile('senjin', 'Trogmoon', { ifModifiedSince: since })).resolves.toEqual({ kind: 'not_modified' });
    touchProfile(guild, first.profile.blizzardCharacterId, { activeSpec: 'Restoration' });
    const changed = await client.getCharacterProfile('senjin', 'Trogmoon', { ifModifiedSince: since });
    expect(changed).toMatchObject({ kind: 'profile', profile: { activeSpec: 'Restoration' } });
    expect(client.stats()).toMatchObject({ notModified: 1, fullProfiles: 2, requests: 3 });
    expect(standin.stats().notModified).toBe(1);
  });

  it('parses the roster into members with realm slugs and ranks', async () => {
    const { client, guild } = await setup();
    removeFromGuild(guild, guild.characters[40]!.id);
    const roster = await client.getGuildRoster('senjin', GUILD_SLUG);
    expect(roster.guild).toEqual({ id: guild.id, name: 'Pull All The Things', faction: 'HORDE', realmSlug: 'senjin' });
    expect(roster.members).toHaveLength(59);
    expect(roster.skipped).toBe(0);
    expect(roster.members.find((m) => m.name === 'Bloodvalor')).toMatchObject({ realmSlug: 'alterac-mountains', rank: 1, level: 80, classId: 2 });
  });

  it('skips and counts a roster member without an id, with a warning', async () => {
    const { client, guild, logs } = await setup();
    // JSON drops an undefined id: the member arrives without one.
    (guild.characters[12] as { id?: number }).id = undefined;
    const roster = await client.getGuildRoster('senjin', GUILD_SLUG);
    expect(roster.skipped).toBe(1);
    expect(roster.members).toHaveLength(59);
    expect(logs.some((l) => l.includes('"level":40') && l.includes('character.id'))).toBe(true);
  });

  it('returns the character status', async () => {
    const { client, guild } = await setup();
    const trog = guild.characters.find((c) => c.name === 'Trogmoon')!;
    await expect(client.getCharacterStatus('senjin', 'Trogmoon')).resolves.toEqual({ id: trog.id, isValid: true });
  });
});

describe('errors', () => {
  it('404 → BlizzardNotFoundError naming the character, without claiming it left', async () => {
    const { client } = await setup({ faults: { notFound: ['pattbank-senjin'] } });
    for (const name of ['Nobodyhere', 'Pattbank']) {
      const err = await rejectionOf(client.getCharacterProfile('senjin', name));
      expect(err).toBeInstanceOf(BlizzardNotFoundError);
      const nf = err as BlizzardNotFoundError;
      expect(nf).toMatchObject({ status: 404, character: `${name}-senjin`, retryable: false, path: `/profile/wow/character/senjin/${name.toLowerCase()}` });
      expect(nf.message).toMatch(/renamed/);
      expect(nf.message).not.toMatch(/left the guild/);
    }
  });

  it('429 after 429 → BlizzardRateLimitedError for the caller once the request has met rateLimitedTries of them', async () => {
    const { client, standin } = await setup({ faults: { rateLimitRate: 1 } }, { rateLimitedTries: 2 });
    const err = await rejectionOf(client.getCharacterProfile('senjin', 'Trogmoon'));
    expect(err).toBeInstanceOf(BlizzardRateLimitedError);
    expect(err).toMatchObject({ status: 429, tries: 2, retryable: true, character: 'Trogmoon-senjin' });
    // Retry-After: 1 → at least a second from the answer, and never before the next calendar second.
    expect((err as BlizzardRateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(990);
    expect((err as BlizzardRateLimitedError).retryAfterMs).toBeLessThanOrEqual(2000);
    expect((err as Error).message).toMatch(/Trogmoon-senjin.*2 times in a row.*BLIZZARD_CLIENT_ID/);
    expect(client.stats()).toMatchObject({ rateLimited: 2, retries: 1, sentIntoOpenWindow: 0 });
    expect(standin.stats()).toMatchObject({ status429: 2, sentIntoOpenWindow: 0 });
  });

  it('a 429 holds every request until Retry-After has passed, then sends the one that met it again', async () => {
    const { client, standin } = await setup({ faults: { nextAnswers: [{ endpoint: 'profile', status: 429 }] } });
    await client.getCharacterStatus('senjin', 'Trogmoon'); // the token
    const sent = standin.stats().requests;
    const limited = client.getCharacterProfile('senjin', 'Trogmoon');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(standin.stats().status429).toBe(1);
    const sibling = client.getCharacterStatus('senjin', 'Trogmoon');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(standin.stats().requests).toBe(sent + 1); // both held: Retry-After is 1 s
    await expect(limited).resolves.toMatchObject({ kind: 'profile' });
    await expect(sibling).resolves.toMatchObject({ isValid: true });
    expect(standin.stats()).toMatchObject({ requests: sent + 3, status429: 1, sentIntoOpenWindow: 0 });
    expect(client.stats()).toMatchObject({ rateLimited: 1, retries: 1, sentIntoOpenWindow: 0 });
  });

  it('without Retry-After, a 429 holds requests only until the next calendar second', async () => {
    const { client, standin } = await setup({ retryAfter: false, faults: { nextAnswers: [{ endpoint: 'profile', status: 429 }] } });
    await client.getCharacterStatus('senjin', 'Trogmoon');
    const limited = client.getCharacterProfile('senjin', 'Trogmoon');
    await expect(limited).resolves.toMatchObject({ kind: 'profile' });
    const [refused, retried] = standin.secondsLog().slice(-2);
    // The retry went out in the very next calendar second (or the one after, if the answer crossed a boundary).
    expect(refused!.status429).toBe(1);
    expect(retried!.second - refused!.second).toBeGreaterThanOrEqual(1);
    expect(retried!.second - refused!.second).toBeLessThanOrEqual(2);
    expect(standin.stats().sentIntoOpenWindow).toBe(0);
  });

  it('5xx and network failures are tried again, alone, after a short back-off', async () => {
    const { client, standin } = await setup({ faults: { nextAnswers: [{ endpoint: 'profile', status: 503 }, { endpoint: 'profile', status: 500 }] } });
    await expect(client.getCharacterProfile('senjin', 'Trogmoon')).resolves.toMatchObject({ kind: 'profile' });
    expect(standin.stats()).toMatchObject({ serverErrors: 2, byEndpoint: { profile: 3 } });
    expect(client.stats()).toMatchObject({ retries: 2 });
  });

  it('5xx → BlizzardServerError with the status', async () => {
    const { client } = await setup({ faults: { serverErrorRate: 1 } }, { transientRetries: 0 });
    const err = await rejectionOf(client.getGuildRoster('senjin', GUILD_SLUG));
    expect(err).toBeInstanceOf(BlizzardServerError);
    expect([500, 502, 503]).toContain((err as BlizzardServerError).status);
    expect((err as BlizzardServerError).retryable).toBe(true);
  });

  it('connection refused → BlizzardNetworkError, not timed out', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { client } = await setup({}, { apiUrl: `http://127.0.0.1:${port}`, transientRetries: 1 });
    const err = await rejectionOf(client.getCharacterProfile('senjin', 'Trogmoon'));
    expect(err).toBeInstanceOf(BlizzardNetworkError);
    expect(client.stats()).toMatchObject({ requests: 2, retries: 1 });
    expect(err).toMatchObject({ timedOut: false, retryable: true, path: '/profile/wow/character/senjin/trogmoon' });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('latency beyond timeoutMs → BlizzardNetworkError timedOut', async () => {
    const { client } = await setup({ faults: { latencyMs: 1_000 } }, { timeoutMs: 150, transientRetries: 0 });
    const err = await rejectionOf(client.getCharacterProfile('senjin', 'Trogmoon'));
    expect(err).toBeInstanceOf(BlizzardNetworkError);
    expect(err).toMatchObject({ timedOut: true, retryable: true });
  });

  it('403 → BlizzardAuthError carrying Blizzard\'s detail', async () => {
    const server = http.createServer((req, res) => {
      const body = req.url?.startsWith('/token')
        ? { access_token: 'tok', token_type: 'bearer', expires_in: 86_399 }
        : { code: 403, type: 'Forbidden', detail: 'Account Inactive' };
      res.writeHead(req.url?.startsWith('/token') ? 200 : 403, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new BlizzardClient({ apiUrl: url, oauthUrl: url, ...CREDS, region: 'eu', ratePerSecond: 100, ratePerHour: 36_000, timeoutMs: 2_000 });
    const err = await rejectionOf(client.getGuildRoster('senjin', GUILD_SLUG));
    expect(err).toBeInstanceOf(BlizzardAuthError);
    expect(err).toMatchObject({ status: 403, detail: 'Account Inactive', retryable: false });
    expect((err as Error).message).toContain('Account Inactive');
  });

  it('every error is a BlizzardError with service blizzard', async () => {
    const { client } = await setup({ faults: { serverErrorRate: 1 } }, { transientRetries: 0 });
    const err = await rejectionOf(client.getCharacterStatus('senjin', 'Trogmoon'));
    expect(err).toBeInstanceOf(BlizzardError);
    expect(err).toMatchObject({ service: 'blizzard', character: 'Trogmoon-senjin' });
  });
});

describe('pacing', () => {
  it('sends 300 profile requests at 100/s without a single 429', async () => {
    const { client, standin, guild } = await setup({ perSecond: 100 });
    const names = guild.characters.map((c) => [c.realm.slug, c.name] as const);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.getCharacterProfile(names[i % names.length]![0], names[i % names.length]![1])),
    );
    expect(results.every((r) => r.kind === 'profile')).toBe(true);
    expect(standin.stats().status429).toBe(0);
    expect(standin.stats().byEndpoint.profile).toBe(300);
  });

  // At a rate far below what any machine can send, an unpaced client would drain the bucket at once.
  it('keeps to a low rate too: 60 requests at 20/s, no 429', async () => {
    const { client, standin } = await setup({ perSecond: 20 }, { ratePerSecond: 20 });
    const results = await Promise.all(Array.from({ length: 60 }, () => client.getCharacterStatus('senjin', 'Trogmoon')));
    expect(results).toHaveLength(60);
    expect(standin.stats().status429).toBe(0);
  });
});

describe("Blizzard's window: per client id and calendar second, the rest of the second refused after a 429", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const profiles = (client: BlizzardClient, guild: DemoGuild, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => guild.characters[i % guild.characters.length]!).map((c) => client.getCharacterProfile(c.realm.slug, c.name)));

  it.each([
    ['with Retry-After', true],
    ['without Retry-After', false],
  ])('5 %% injected 429s %s and a 120 ± 60 ms round trip: nothing sent into an open window, nothing lost', async (_label, retryAfter) => {
    const { client, standin, guild } = await setup({ retryAfter, seed: 5, faults: { rateLimitRate: 0.05, ...HOME_ROUND_TRIP } });
    const results = await profiles(client, guild, 80);
    expect(results.every((r) => r.kind === 'profile')).toBe(true);
    const stats = standin.stats();
    expect(stats.status429By.injected).toBeGreaterThan(0);
    expect(stats.status429By.over_limit).toBe(0);
    expect(stats.sentIntoOpenWindow).toBe(0);
    const log = standin.secondsLog();
    expect(log.filter((r) => r.sentIntoOpenWindow > 0)).toEqual([]);
    expect(Math.max(...log.map((r) => r.requests))).toBeLessThanOrEqual(100);
    // Requests in flight when a window opened were refused too, and every refused one came back.
    expect(client.stats()).toMatchObject({ sentIntoOpenWindow: 0, rateLimited: stats.status429 });
    expect(stats.byEndpoint.profile).toBe(80 + stats.status429);
  });

  it('a client pacing at its share never draws a 429, and no second holds more than its share', async () => {
    const { client, standin, guild } = await setup({ faults: HOME_ROUND_TRIP });
    await profiles(client, guild, 250);
    const log = standin.secondsLog();
    expect(standin.stats().status429).toBe(0);
    expect(client.slotsPerSecond).toBe(95);
    // The round trip's jitter may move a request across a boundary: the margin is for that.
    expect(Math.max(...log.map((r) => r.requests))).toBeLessThanOrEqual(100);
  });

  it('after a pause (an idle spell, then a 429 window) requests resume one slot at a time: no second over the share', async () => {
    const { client, standin, guild } = await setup();
    await profiles(client, guild, 120);
    await sleep(1_500);
    const burst = profiles(client, guild, 300);
    await sleep(700);
    standin.setFaults({ nextAnswers: [{ endpoint: 'profile', status: 429 }] });
    const results = await burst;
    expect(results).toHaveLength(300);
    const stats = standin.stats();
    // Besides the scripted one, only a request already on its way could be refused (open_window).
    expect(stats).toMatchObject({ status429By: { injected: 1, over_limit: 0, hour: 0 }, sentIntoOpenWindow: 0 });
    const log = standin.secondsLog();
    // Counted by the stand-in, per calendar second: the share (95 of 100), after the idle spell and
    // after the window alike (one more only if a slot's send slipped past a second's end).
    expect(log.filter((r) => r.requests > client.slotsPerSecond + 1)).toEqual([]);
    const refusedIn = log.findIndex((r) => r.status429 > 0);
    expect(log[refusedIn + 1]!.requests).toBeGreaterThan(0);
    expect(log.slice(refusedIn + 1).every((r) => r.requests <= client.slotsPerSecond + 1)).toBe(true);
    expect(client.stats().sentIntoOpenWindow).toBe(0);
  });

  it('a 429 met by one request costs only that request a second try', async () => {
    const { client, standin, guild } = await setup({ faults: { nextAnswers: [{ endpoint: 'profile', status: 429 }] } });
    const results = await profiles(client, guild, 40);
    expect(results.every((r) => r.kind === 'profile')).toBe(true);
    const stats = standin.stats();
    expect(stats.status429By).toMatchObject({ injected: 1, over_limit: 0 });
    // Each refused request (the scripted one, and any already on its way) was sent once more; no other.
    expect(stats.byEndpoint.profile).toBe(40 + stats.status429);
    expect(client.stats()).toMatchObject({ rateLimited: stats.status429, retries: stats.status429 });
  });
});

describe('parseRoster', () => {
  const member = (overrides: Record<string, unknown> = {}) => ({
    character: { id: 1, name: 'Aa', realm: { id: 3, slug: 'raden' }, level: 80, playable_class: { id: 1 }, playable_race: { id: 2 }, ...overrides },
    rank: 3,
  });

  it('ignores unknown fields and accepts older members without key or faction', () => {
    const { roster } = parseRoster({
      _links: {},
      brand_new_field: [1, 2],
      guild: { id: 9, name: 'G', realm: { slug: 'senjin', id: 1 }, crest: { emblem: 1 } },
      members: [member({ mystery: { deep: true } })],
    });
    expect(roster).toEqual({
      guild: { id: 9, name: 'G', faction: undefined, realmSlug: 'senjin' },
      members: [{ blizzardCharacterId: 1, name: 'Aa', realmSlug: 'raden', realmId: 3, level: 80, classId: 1, raceId: 2, faction: undefined, rank: 3 }],
      skipped: 0,
    });
  });

  it('skips members without id or realm slug and counts them', () => {
    const { roster, skippedReasons } = parseRoster({
      guild: { id: 9, name: 'G', realm: { slug: 'senjin' } },
      members: [member(), member({ id: undefined }), member({ realm: { id: 5 } }), 'garbage'],
    });
    expect(roster.members.map((m) => m.blizzardCharacterId)).toEqual([1]);
    expect(roster.skipped).toBe(3);
    expect(skippedReasons[0]).toContain('character.id');
  });

  it('keeps a member whose optional fields have unexpected types', () => {
    const { roster } = parseRoster({ guild: { id: 9, name: 'G', realm: { slug: 's' } }, members: [member({ level: '80', playable_class: null })] });
    expect(roster.members[0]).toMatchObject({ blizzardCharacterId: 1, level: undefined, classId: undefined });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and jitters around a second without a header', () => {
    expect(parseRetryAfter('1')).toBe(1000);
    expect(parseRetryAfter('2.5')).toBe(2500);
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    for (let i = 0; i < 50; i += 1) {
      const ms = parseRetryAfter(null);
      expect(ms).toBeGreaterThanOrEqual(800);
      expect(ms).toBeLessThanOrEqual(1200);
    }
  });
});
