import { generateDemoGuild, removeFromGuild, renameCharacter, touchProfile, type DemoGuild } from './demoGuild';
import { startBlizzardStandin, type BlizzardStandin, type StandinOptions } from './server';

const CREDS = { clientId: 'standin-test-client', clientSecret: 'standin-test-secret' };
const NS = 'namespace=profile-us&locale=en_US';
const running: BlizzardStandin[] = [];

async function start(overrides: Partial<StandinOptions> = {}): Promise<{ standin: BlizzardStandin; guild: DemoGuild }> {
  const guild = overrides.guild ?? generateDemoGuild({ size: 40, seed: 11 });
  const standin = await startBlizzardStandin({ ...CREDS, ...overrides, guild });
  running.push(standin);
  return { standin, guild };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function token(standin: BlizzardStandin, creds = CREDS): Promise<string> {
  const res = await fetch(`${standin.url}/token`, {
    method: 'POST',
    headers: { authorization: basic(creds.clientId, creds.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

async function get(standin: BlizzardStandin, path: string, bearer?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${standin.url}${path}`, { headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

describe('POST /token', () => {
  it('issues a bearer token for the right client credentials', async () => {
    const { standin } = await start();
    const res = await fetch(`${standin.url}/token`, {
      method: 'POST',
      headers: { authorization: basic(CREDS.clientId, CREDS.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86399, sub: CREDS.clientId });
  });

  it('answers 401 invalid_client for a wrong secret', async () => {
    const { standin } = await start();
    const res = await fetch(`${standin.url}/token`, {
      method: 'POST',
      headers: { authorization: basic(CREDS.clientId, 'wrong'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_client' });
  });

  it('answers 400 for another grant type', async () => {
    const { standin } = await start();
    const res = await fetch(`${standin.url}/token`, {
      method: 'POST',
      headers: { authorization: basic(CREDS.clientId, CREDS.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(res.status).toBe(400);
  });
});

describe('API access rules', () => {
  it('answers 401 without a token', async () => {
    const { standin } = await start();
    const res = await get(standin, `/data/wow/guild/senjin/pull-all-the-things/roster?${NS}`);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: 401, type: 'BLZWEBAPI00000401', detail: 'Unauthorized' });
  });

  it('answers 403 Missing namespace without a namespace, like the real API', async () => {
    const { standin } = await start();
    const res = await get(standin, '/profile/wow/character/senjin/trogmoon?locale=en_US', await token(standin));
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ code: 403, type: 'Forbidden', detail: 'Missing namespace' });
  });

  it('sends locale maps without a locale and plain strings with one', async () => {
    const { standin } = await start();
    const t = await token(standin);
    const plain = await get(standin, '/profile/wow/character/senjin/trogmoon?namespace=profile-us&locale=en_US', t);
    const maps = await get(standin, '/profile/wow/character/senjin/trogmoon?namespace=profile-us', t);
    expect(plain.json!.character_class.name).toBe('Druid');
    expect(plain.json!.realm.name).toBe("Sen'jin");
    expect(maps.json!.character_class.name).toMatchObject({ en_US: 'Druid', de_DE: expect.any(String) });
    expect(maps.json!.realm.name).toMatchObject({ en_US: "Sen'jin" });
    expect(maps.json!.name).toBe('Trogmoon');
  });

  it('answers 429 with Retry-After: 1 to a burst over the per-second limit', async () => {
    const { standin } = await start({ perSecond: 5 });
    const t = await token(standin);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => get(standin, `/profile/wow/character/senjin/trogmoon/status?${NS}`, t)),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited.every((a) => a.headers.get('retry-after') === '1')).toBe(true);
    expect(standin.stats().status429).toBe(limited.length);
    expect(standin.stats().first429At).toEqual(expect.any(Number));
  });

  it('answers 429 once the hourly allowance is spent, Retry-After saying until the next hour', async () => {
    const { standin } = await start({ perHour: 3 });
    const t = await token(standin);
    const statuses: number[] = [];
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await get(standin, `/profile/wow/character/senjin/trogmoon/status?${NS}`, t));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    const toNextHour = Math.ceil((3_600_000 - (Date.now() % 3_600_000)) / 1000);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(toNextHour - 2);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeLessThanOrEqual(toNextHour + 2);
    expect(standin.stats().status429By).toMatchObject({ hour: 2, over_limit: 0 });
  });

  /** Waits for the next calendar second to begin (plus a little), so a test's requests share one second. */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 15));
  const STATUS = `/profile/wow/character/senjin/trogmoon/status?${NS}`;

  it('counts per calendar second: past the limit, the rest of that second is refused; the next second serves again', async () => {
    const { standin } = await start({ perSecond: 5 });
    const t = await token(standin);
    await nextSecond();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await get(standin, STATUS, t)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    await nextSecond();
    expect((await get(standin, STATUS, t)).status).toBe(200);
    const log = standin.secondsLog();
    expect(log.map((r) => [r.requests, r.status429])).toEqual([[8, 3], [1, 0]]);
    expect(log[1]!.second - log[0]!.second).toBe(1);
    expect(standin.stats().status429By).toMatchObject({ over_limit: 1, open_window: 2 });
  });

  it('counts 304s like any answer', async () => {
    const { standin } = await start({ perSecond: 3 });
    const t = await token(standin);
    const first = await get(standin, `/profile/wow/character/senjin/trogmoon?${NS}`, t);
    const since = { 'if-modified-since': first.headers.get('last-modified')! };
    await nextSecond();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await get(standin, `/profile/wow/character/senjin/trogmoon?${NS}`, t, since)).status);
    expect(statuses).toEqual([304, 304, 304, 429]);
  });

  it('answers 429 without Retry-After when told to (Blizzard may leave it out)', async () => {
    const { standin } = await start({ perSecond: 1, retryAfter: false });
    const t = await token(standin);
    await nextSecond();
    await get(standin, STATUS, t);
    const refused = await get(standin, STATUS, t);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    standin.setLimits({ retryAfter: true });
    await nextSecond();
    await get(standin, STATUS, t);
    expect((await get(standin, STATUS, t)).headers.get('retry-after')).toBe('1');
  });

  it('limits each client id on its own', async () => {
    const other = { clientId: 'another-client', clientSecret: 'another-secret' };
    const { standin } = await start({ perSecond: 3, extraClients: [other] });
    const [a, b] = [await token(standin), await token(standin, other)];
    await nextSecond();
    const statuses: number[] = [];
    for (const t of [a, a, a, a, b, b, b, b]) statuses.push((await get(standin, STATUS, t)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 200, 200, 200, 429]);
    expect(new Set(standin.secondsLog().map((r) => r.clientId))).toEqual(new Set([CREDS.clientId, other.clientId]));
  });

  it('counts a request sent after its client had the 429, while the second is still refused, as sent into an open window', async () => {
    const { standin } = await start({ perSecond: 1 });
    const t = await token(standin);
    await nextSecond();
    await get(standin, STATUS, t);
    expect((await get(standin, STATUS, t)).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await get(standin, STATUS, t)).status).toBe(429);
    expect(standin.stats()).toMatchObject({ sentIntoOpenWindow: 1, status429: 2 });
    expect(standin.secondsLog()[0]).toMatchObject({ requests: 3, status429: 2, sentIntoOpenWindow: 1 });
    expect(standin.secondsLog()[0]!.maxMsIntoOpenWindow).toBeGreaterThanOrEqual(75);
  });

  it('adds a round trip of latencyMs ± latencyJitterMs to every request', async () => {
    const { standin } = await start({ faults: { latencyMs: 120, latencyJitterMs: 60 } });
    const t = await token(standin);
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      await get(standin, STATUS, t);
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(58);
      expect(ms).toBeLessThan(400);
    }
  });

  it('answers scripted statuses to the next requests of an endpoint (nextAnswers)', async () => {
    const { standin } = await start({ faults: { nextAnswers: [{ endpoint: 'status', status: 429 }, { endpoint: 'status', status: 503 }] } });
    const t = await token(standin);
    expect((await get(standin, `/profile/wow/character/senjin/trogmoon?${NS}`, t)).status).toBe(200);
    expect((await get(standin, STATUS, t)).status).toBe(429);
    await nextSecond();
    expect((await get(standin, STATUS, t)).status).toBe(503);
    expect((await get(standin, STATUS, t)).status).toBe(200);
    expect(standin.stats().status429By).toMatchObject({ injected: 1 });
  });

  it('expires a token after expireTokensAfterRequests requests, and on expireAllTokens', async () => {
    const { standin } = await start({ faults: { expireTokensAfterRequests: 2 } });
    const path = `/profile/wow/character/senjin/trogmoon/status?${NS}`;
    const t = await token(standin);
    const statuses = [(await get(standin, path, t)).status, (await get(standin, path, t)).status, (await get(standin, path, t)).status];
    expect(statuses).toEqual([200, 200, 401]);
    const t2 = await token(standin);
    expect((await get(standin, path, t2)).status).toBe(200);
    standin.expireAllTokens();
    expect((await get(standin, path, t2)).status).toBe(401);
  });
});

describe('roster, profile and status', () => {
  it('serves the roster in the real shape, without members who left', async () => {
    const { standin, guild } = await start();
    const leaver = guild.characters[30]!;
    removeFromGuild(guild, leaver.id);
    const res = await get(standin, `/data/wow/guild/senjin/pull-all-the-things/roster?${NS}`, await token(standin));
    expect(res.status).toBe(200);
    expect(res.json!._links.self.href).toContain('/data/wow/guild/senjin/pull-all-the-things/roster');
    expect(res.json!.guild).toMatchObject({ name: 'Pull All The Things', realm: { slug: 'senjin', name: "Sen'jin" }, faction: { type: 'HORDE' } });
    const members = res.json!.members as Array<{ character: Record<string, any>; rank: number }>;
    expect(members).toHaveLength(39);
    expect(members.some((m) => m.character.id === leaver.id)).toBe(false);
    const zat = members.find((m) => m.character.name === 'Zatañña')!;
    expect(zat).toMatchObject({ rank: 1, character: { realm: { slug: 'sargeras' }, level: 80, playable_class: { id: 8 }, faction: { type: 'HORDE' } } });
    expect(zat.character.key.href).toContain('/profile/wow/character/sargeras/zata%C3%B1%C3%B1a');
  });

  it('answers 404 for an unknown guild', async () => {
    const { standin } = await start();
    expect((await get(standin, `/data/wow/guild/senjin/other-guild/roster?${NS}`, await token(standin))).status).toBe(404);
  });

  it('finds a percent-encoded name case-insensitively', async () => {
    const { standin, guild } = await start();
    const t = await token(standin);
    const zat = guild.characters.find((c) => c.name === 'Zatañña')!;
    for (const encoded of ['zata%C3%B1%C3%B1a', 'ZATA%C3%91%C3%91A']) {
      const res = await get(standin, `/profile/wow/character/sargeras/${encoded}?${NS}`, t);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: zat.id, name: 'Zatañña', realm: { slug: 'sargeras', name: 'Sargeras' } });
    }
    expect((await get(standin, `/profile/wow/character/senjin/zata%C3%B1%C3%B1a?${NS}`, t)).status).toBe(404);
  });

  it('sends Last-Modified and answers 304 to If-Modified-Since until the profile changes', async () => {
    const { standin, guild } = await start();
    const t = await token(standin);
    const path = `/profile/wow/character/senjin/trogmoon?${NS}`;
    const first = await get(standin, path, t);
    const lastModified = first.headers.get('last-modified')!;
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    const again = await get(standin, path, t, { 'if-modified-since': lastModified });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    touchProfile(guild, guild.characters[0]!.id, { equippedItemLevel: 650 });
    const changed = await get(standin, path, t, { 'if-modified-since': lastModified });
    expect(changed.status).toBe(200);
    expect(changed.json!.equipped_item_level).toBe(650);
    expect(standin.stats()).toMatchObject({ notModified: 1, fullProfiles: 2 });
  });

  it('answers 404 for a renamed character under its old name, and serves the new one', async () => {
    const { standin, guild } = await start();
    const t = await token(standin);
    const c = guild.characters.find((x) => x.name === 'Pattbank')!;
    renameCharacter(guild, c.id, 'Pattcoffer');
    expect((await get(standin, `/profile/wow/character/senjin/pattbank?${NS}`, t)).json).toEqual({
      code: 404,
      type: 'BLZWEBAPI00000404',
      detail: 'Not Found',
    });
    expect((await get(standin, `/profile/wow/character/senjin/pattcoffer/status?${NS}`, t)).json).toMatchObject({ id: c.id, is_valid: true });
  });

  it('answers 404 to a profile in faults.notFound while its status stays valid', async () => {
    const { standin } = await start({ faults: { notFound: ['Trogmoon-senjin'] } });
    const t = await token(standin);
    expect((await get(standin, `/profile/wow/character/senjin/trogmoon?${NS}`, t)).status).toBe(404);
    expect((await get(standin, `/profile/wow/character/senjin/trogmoon/status?${NS}`, t)).json).toMatchObject({ is_valid: true });
    expect(standin.stats().notFound).toBe(1);
  });
});

describe('faults', () => {
  it('injects 5xx at serverErrorRate, repeatably for the same seed', async () => {
    const run = async () => {
      const { standin } = await start({ faults: { serverErrorRate: 0.5 }, seed: 42 });
      const t = await token(standin);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await get(standin, `/profile/wow/character/senjin/trogmoon/status?${NS}`, t)).status);
      return statuses;
    };
    const first = await run();
    expect(first.some((s) => s >= 500 && s <= 503)).toBe(true);
    expect(first.some((s) => s === 200)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('injects 429 with Retry-After at rateLimitRate', async () => {
    const { standin } = await start({ faults: { rateLimitRate: 1 } });
    const res = await get(standin, `/profile/wow/character/senjin/trogmoon?${NS}`, await token(standin));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});

describe('control API', () => {
  it('sets faults, reports and resets stats, and expires tokens over HTTP', async () => {
    const { standin } = await start();
    const t = await token(standin);
    const path = `/profile/wow/character/senjin/trogmoon/status?${NS}`;
    const set = await fetch(`${standin.url}/_standin/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 1 }) });
    expect(set.status).toBe(200);
    expect((await get(standin, path, t)).status).toBeGreaterThanOrEqual(500);
    const stats = (await get(standin, '/_standin/stats')).json!;
    expect(stats).toMatchObject({ requests: 2, byEndpoint: { token: 1, status: 1 }, serverErrors: 1 });

    expect((await fetch(`${standin.url}/_standin/faults`, { method: 'POST', body: '{"serverErrorRate":7}' })).status).toBe(400);
    await fetch(`${standin.url}/_standin/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 0 }) });
    await fetch(`${standin.url}/_standin/stats/reset`, { method: 'POST' });
    expect(standin.stats().requests).toBe(0);
    await fetch(`${standin.url}/_standin/tokens/expire`, { method: 'POST' });
    expect((await get(standin, path, t)).status).toBe(401);
  });

  it('sets the limits, reads the per-second log and resets the quotas over HTTP', async () => {
    const { standin } = await start();
    const t = await token(standin);
    const set = await fetch(`${standin.url}/_standin/limits`, { method: 'POST', body: JSON.stringify({ perHour: 1, retryAfter: false }) });
    expect(await set.json()).toEqual({ perSecond: 100, perHour: 1, retryAfter: false });
    expect((await fetch(`${standin.url}/_standin/limits`, { method: 'POST', body: '{"perSecond":0}' })).status).toBe(400);
    const path = `/profile/wow/character/senjin/trogmoon/status?${NS}`;
    expect([(await get(standin, path, t)).status, (await get(standin, path, t)).status]).toEqual([200, 429]);
    const log = (await get(standin, '/_standin/log')).json as unknown as Array<Record<string, unknown>>;
    expect(log.reduce((n, r) => n + (r.requests as number), 0)).toBe(2);
    expect(log[0]).toMatchObject({ clientId: CREDS.clientId, second: expect.any(Number) });
    await fetch(`${standin.url}/_standin/limits/reset`, { method: 'POST' });
    expect((await get(standin, path, t)).status).toBe(200);
  });
});
