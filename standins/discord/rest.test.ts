import { DiscordAPIError, HTTPError, REST, Routes } from 'discord.js';
import { generateDemoDiscordServer } from './demoServer';
import { startDiscordStandin, type DiscordStandin, type DiscordStandinOptions } from './server';
import { withTimeout } from './testing';

/** REST: shapes, errors, pagination, and the message-post faults that make a naive client post twice. */

const TOKEN = 'standin-test-bot-token';
const running: DiscordStandin[] = [];

async function start(overrides: Partial<DiscordStandinOptions> = {}, size = 40): Promise<DiscordStandin> {
  const standin = await startDiscordStandin({ botToken: TOKEN, server: generateDemoDiscordServer({ size, seed: 3 }), ...overrides });
  running.push(standin);
  return standin;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** @discordjs/rest as our integrations use it: retries on 5xx and timeouts, waits out 429s. */
function rest(standin: DiscordStandin, timeout = 2_000): REST {
  return new REST({ api: standin.apiUrl, retries: 3, timeout }).setToken(TOKEN);
}

async function get(standin: DiscordStandin, path: string, token: string | null = TOKEN) {
  const res = await fetch(`${standin.apiUrl}/v10${path}`, { headers: token ? { authorization: `Bot ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as any) : undefined };
}

async function post(standin: DiscordStandin, path: string, body: unknown) {
  const res = await fetch(`${standin.apiUrl}/v10${path}`, {
    method: 'POST',
    headers: { authorization: `Bot ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

const embed = (n: number) => ({ title: `Finding ${n}`, description: 'Rank and role disagree.' });

describe('authorisation and shapes', () => {
  it('answers 401 {message, code: 0} without the right bot token', async () => {
    const standin = await start();
    for (const token of [null, 'wrong-token']) {
      const res = await get(standin, '/users/@me', token);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ message: '401: Unauthorized', code: 0 });
    }
    const bearer = await fetch(`${standin.apiUrl}/v10/users/@me`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(401);
    await expect(new REST({ api: standin.apiUrl }).setToken('wrong').get(Routes.user('@me'))).rejects.toMatchObject({ status: 401 });
    expect(standin.stats().unauthorized).toBe(4);
  });

  it('serves /gateway/bot, /users/@me, the guild, its roles and channels in Discord\'s shapes, with rate-limit headers', async () => {
    const standin = await start();
    const { server } = standin;
    const gw = await get(standin, '/gateway/bot');
    expect(gw.json).toEqual({ url: standin.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: expect.any(Number), max_concurrency: 1 } });
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'x-ratelimit-bucket']) {
      expect(gw.headers.get(h)).toEqual(expect.any(String));
    }
    const me = await get(standin, '/users/@me');
    expect(me.json).toMatchObject({ id: server.botUser.id, bot: true, discriminator: expect.stringMatching(/^\d{4}$/), global_name: null });
    const guild = await get(standin, `/guilds/${server.guildId}?with_counts=true`);
    expect(guild.json).toMatchObject({ id: server.guildId, name: 'Pull All The Things', owner_id: server.ownerId, approximate_member_count: 40 });
    const roles = (await get(standin, `/guilds/${server.guildId}/roles`)).json as Array<Record<string, unknown>>;
    expect(roles.map((r) => r.name)).toEqual(expect.arrayContaining(['@everyone', 'GM', 'Officer', 'Veteran', 'Member', 'Initiate']));
    expect(roles.every((r) => typeof r.permissions === 'string')).toBe(true);
    const channels = (await get(standin, `/guilds/${server.guildId}/channels`)).json as Array<Record<string, unknown>>;
    expect(channels.find((c) => c.id === server.auditChannelId)).toMatchObject({ name: 'audit-channel', type: 0, guild_id: server.guildId });
    const trog = [...server.members.values()].find((m) => m.user.username === 'trog')!;
    const member = await get(standin, `/guilds/${server.guildId}/members/${trog.user.id}`);
    expect(member.json).toMatchObject({
      nick: 'Trogmoon',
      roles: expect.arrayContaining([server.rankRoleIds[0]]),
      joined_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/),
      user: { id: trog.user.id, username: 'trog', global_name: 'Mike', discriminator: '0', avatar: null },
    });
    expect(member.json.demo).toBeUndefined();
  });

  it('answers Discord\'s 404s and 405', async () => {
    const standin = await start();
    const { server } = standin;
    expect((await get(standin, '/guilds/123456789012345678')).json).toEqual({ message: 'Unknown Guild', code: 10004 });
    expect((await get(standin, `/guilds/${server.guildId}/members/123456789012345678`)).json).toEqual({ message: 'Unknown Member', code: 10007 });
    expect((await get(standin, '/channels/123456789012345678')).json).toEqual({ message: 'Unknown Channel', code: 10003 });
    expect((await get(standin, `/channels/${server.auditChannelId}/messages/123456789012345678`)).json).toEqual({ message: 'Unknown Message', code: 10008 });
    expect((await get(standin, '/nothing/here')).json).toEqual({ message: '404: Not Found', code: 0 });
    const wrongMethod = await fetch(`${standin.apiUrl}/v10/guilds/${server.guildId}`, { method: 'POST', headers: { authorization: `Bot ${TOKEN}` } });
    expect(wrongMethod.status).toBe(405);
  });
});

describe('GET /guilds/{id}/members', () => {
  it('pages by user id, `after` exclusive and compared as a number, limit 1 by default', async () => {
    const standin = await start();
    const { server } = standin;
    const big = standin.addMemberSilently({ id: '1234567890123456789', username: 'nineteen' });
    const sorted = [...server.members.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const path = `/guilds/${server.guildId}/members`;
    expect(((await get(standin, path)).json as any[]).map((m) => m.user.id)).toEqual([sorted[0]]);
    const page = (await get(standin, `${path}?limit=5&after=${sorted[2]}`)).json as any[];
    expect(page.map((m) => m.user.id)).toEqual(sorted.slice(3, 8));
    // "999…" (18 digits) is numerically below the 19-digit id: only that one comes after it.
    const tail = (await get(standin, `${path}?limit=1000&after=999999999999999999`)).json as any[];
    expect(tail.map((m) => m.user.id)).toEqual([big.user.id]);
    expect((await get(standin, `${path}?limit=1000&after=${big.user.id}`)).json).toEqual([]);
    const all = (await get(standin, `${path}?limit=1000&after=0`)).json as any[];
    expect(all).toHaveLength(41);
  });

  it('validates limit and after like Discord (400, code 50035)', async () => {
    const standin = await start();
    const path = `/guilds/${standin.server.guildId}/members`;
    const cases: Array<[string, string, string]> = [
      ['limit=0', 'limit', 'NUMBER_TYPE_MIN'],
      ['limit=1001', 'limit', 'NUMBER_TYPE_MAX'],
      ['limit=ten', 'limit', 'NUMBER_TYPE_COERCE'],
      ['limit=2.5', 'limit', 'NUMBER_TYPE_COERCE'],
      ['after=someone', 'after', 'NUMBER_TYPE_COERCE'],
      ['after=-1', 'after', 'NUMBER_TYPE_COERCE'],
    ];
    for (const [query, field, code] of cases) {
      const res = await get(standin, `${path}?${query}`);
      expect([query, res.status, res.json.code, res.json.message]).toEqual([query, 400, 50035, 'Invalid Form Body']);
      expect(res.json.errors[field]._errors[0].code).toBe(code);
    }
    expect(standin.stats().badRequests).toBe(cases.length);
  });

  it('answers 403 Missing Access (50001) while the Server Members intent is off', async () => {
    const standin = await start({ serverMembersIntentEnabled: false });
    const path = `/guilds/${standin.server.guildId}/members?limit=10`;
    expect(await get(standin, path)).toMatchObject({ status: 403, json: { message: 'Missing Access', code: 50001 } });
    standin.setServerMembersIntentEnabled(true);
    expect((await get(standin, path)).status).toBe(200);
  });
});

describe('POST /channels/{id}/messages', () => {
  it('creates a message in Discord\'s shape, and lists channel messages newest first', async () => {
    const standin = await start();
    const channel = standin.server.auditChannelId;
    const first = await post(standin, `/channels/${channel}/messages`, { content: 'one', nonce: 'n-1', enforce_nonce: true });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ id: expect.any(String), channel_id: channel, type: 0, content: 'one', nonce: 'n-1', embeds: [], author: { id: standin.server.botUser.id, bot: true } });
    await post(standin, `/channels/${channel}/messages`, { embeds: [embed(1)] });
    const listed = (await get(standin, `/channels/${channel}/messages?limit=10`)).json as any[];
    expect(listed.map((m) => m.content)).toEqual(['', 'one']);
    expect(listed[0].embeds[0]).toMatchObject({ type: 'rich', title: 'Finding 1' });
    expect(standin.messages(channel).map((m) => m.content)).toEqual(['one', '']);
  });

  it('rejects bodies Discord rejects: 11 embeds, > 6,000 embed characters, long content or nonce, nothing to send', async () => {
    const standin = await start();
    const path = `/channels/${standin.server.auditChannelId}/messages`;
    const eleven = await post(standin, path, { embeds: Array.from({ length: 11 }, (_, i) => embed(i)) });
    expect(eleven).toMatchObject({ status: 400, json: { code: 50035, message: 'Invalid Form Body', errors: { embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } });
    const big = await post(standin, path, { embeds: [{ description: 'x'.repeat(4000) }, { description: 'y'.repeat(2001) }] });
    expect(big.json.errors.embeds._errors[0]).toEqual({ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' });
    // Exactly 6,000 is allowed.
    expect((await post(standin, path, { embeds: [{ description: 'x'.repeat(4000) }, { description: 'y'.repeat(2000) }] })).status).toBe(200);
    expect((await post(standin, path, { content: 'z'.repeat(2001) })).json.errors.content._errors[0].code).toBe('BASE_TYPE_MAX_LENGTH');
    expect((await post(standin, path, { content: 'hi', nonce: 'n'.repeat(26) })).json.errors.nonce._errors[0].code).toBe('BASE_TYPE_MAX_LENGTH');
    expect((await post(standin, path, { content: 'hi', nonce: 1.5 })).json.errors.nonce._errors[0].code).toBe('NONCE_TYPE_INVALID_TYPE');
    expect((await post(standin, path, { embeds: [{ title: 't'.repeat(257) }] })).json.errors.embeds['0'].title._errors[0].code).toBe('BASE_TYPE_MAX_LENGTH');
    expect((await post(standin, path, { embeds: [{ fields: [{ name: 'a' }] }] })).json.errors.embeds['0'].fields['0'].value._errors[0].code).toBe('BASE_TYPE_REQUIRED');
    expect((await post(standin, path, { content: '' })).json).toEqual({ message: 'Cannot send an empty message', code: 50006 });
    expect(standin.messages(standin.server.auditChannelId)).toHaveLength(1);
  });

  it('surfaces a 400 as DiscordAPIError 50035 through @discordjs/rest', async () => {
    const standin = await start();
    const err = await rest(standin).post(Routes.channelMessages(standin.server.auditChannelId), { body: { embeds: Array.from({ length: 11 }, (_, i) => embed(i)) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ status: 400, code: 50035 });
  });

  it('enforce_nonce returns the existing message for the same nonce in the window, and only then', async () => {
    const standin = await start();
    const { auditChannelId, generalChannelId } = standin.server;
    const body = { content: 'report', nonce: 'report-1', enforce_nonce: true };
    const a = await post(standin, `/channels/${auditChannelId}/messages`, body);
    const b = await post(standin, `/channels/${auditChannelId}/messages`, body);
    expect(b.json.id).toBe(a.json.id);
    // Another channel, or no enforce_nonce: a new message.
    await post(standin, `/channels/${generalChannelId}/messages`, body);
    await post(standin, `/channels/${auditChannelId}/messages`, { content: 'report', nonce: 'report-1' });
    expect(standin.messages(auditChannelId)).toHaveLength(2);
    standin.setNonceWindowMs(0);
    await new Promise((r) => setTimeout(r, 5));
    await post(standin, `/channels/${auditChannelId}/messages`, body);
    expect(standin.messages(auditChannelId)).toHaveLength(3);
    expect(standin.stats()).toMatchObject({ messagesCreated: 4, nonceDeduplicated: 1 });
  });

  describe('when @discordjs/rest re-sends a post', () => {
    const send = (standin: DiscordStandin, r: REST, body: Record<string, unknown>) =>
      withTimeout(r.post(Routes.channelMessages(standin.server.auditChannelId), { body }) as Promise<{ id: string; content: string }>, 10_000, 'the post');

    it('500 after the message was created: with nonce + enforce_nonce there is still ONE message', async () => {
      const standin = await start({ faults: { failAfterCreate: 1 } });
      const posted = await send(standin, rest(standin), { content: 'audit', nonce: 'audit-500', enforce_nonce: true });
      expect(standin.messages(standin.server.auditChannelId).map((m) => m.id)).toEqual([posted.id]);
      expect(standin.stats()).toMatchObject({ serverErrors: 1, messagesCreated: 1, nonceDeduplicated: 1 });
    });

    it('500 after the message was created: without enforce_nonce the retry posts it twice', async () => {
      const standin = await start({ faults: { failAfterCreate: 1 } });
      await send(standin, rest(standin), { content: 'audit', nonce: 'audit-500' });
      expect(standin.messages(standin.server.auditChannelId)).toHaveLength(2);
    });

    it('created, then no answer before the client times out: ONE message', async () => {
      const standin = await start({ faults: { hangAfterCreate: 1, hangAfterCreateMs: 3_000 } });
      const body = { content: 'audit', nonce: 'audit-hang', enforce_nonce: true };
      const client = rest(standin, 300);
      // Plain Node: @discordjs/rest re-sends after its timeout. Under jest the AbortSignal's reason
      // comes from another realm, fails its `instanceof Error` check and is thrown instead: then the
      // caller's own retry (the activity's) re-sends, as here. Same request, same nonce, either way.
      const posted = await send(standin, client, body).catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') throw err;
        return send(standin, client, body);
      });
      expect(standin.messages(standin.server.auditChannelId).map((m) => m.id)).toEqual([posted.id]);
      expect(standin.stats()).toMatchObject({ messagesCreated: 1, nonceDeduplicated: 1 });
      expect(standin.stats().byRoute.createMessage).toBe(2);
    });

    it('429s on the message route: waited out, ONE message', async () => {
      const standin = await start({ faults: { rateLimitMessages: 2, retryAfterSeconds: 0.05 } });
      await send(standin, rest(standin), { content: 'audit', nonce: 'audit-429', enforce_nonce: true });
      expect(standin.messages(standin.server.auditChannelId)).toHaveLength(1);
      expect(standin.stats()).toMatchObject({ status429: 2, messagesCreated: 1 });
    });

    it('500 before anything was created: ONE message', async () => {
      const standin = await start({ faults: { failBeforeCreate: 2 } });
      await send(standin, rest(standin), { content: 'audit', nonce: 'audit-pre', enforce_nonce: true });
      expect(standin.messages(standin.server.auditChannelId)).toHaveLength(1);
      expect(standin.stats()).toMatchObject({ serverErrors: 2, messagesCreated: 1, nonceDeduplicated: 0 });
    });
  });
});

describe('rates and faults', () => {
  it('answers 429 with Retry-After and Discord\'s body to a client that ignores the bucket headers', async () => {
    const standin = await start({ routeLimits: { guildRoles: { limit: 2, windowMs: 60_000 } } });
    const path = `/guilds/${standin.server.guildId}/roles`;
    const first = await get(standin, path);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await get(standin, path);
    const limited = await get(standin, path);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ message: 'You are being rate limited.', retry_after: expect.any(Number), global: false });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('serverErrorRate 1: @discordjs/rest tries 4 times, then throws HTTPError', async () => {
    const standin = await start({ faults: { serverErrorRate: 1 } });
    const err = await rest(standin).get(Routes.guildRoles(standin.server.guildId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HTTPError);
    expect(standin.stats().serverErrors).toBe(4);
    // Login still works: /gateway/bot never fails on purpose.
    expect((await get(standin, '/gateway/bot')).status).toBe(200);
  });

  it('rateLimitRate and serverErrorRate follow the seed', async () => {
    const statuses = async (seed: number) => {
      const standin = await start({ seed, faults: { rateLimitRate: 0.3, serverErrorRate: 0.3 } });
      const out: number[] = [];
      for (let i = 0; i < 20; i += 1) out.push((await get(standin, '/users/@me')).status);
      return out;
    };
    const a = await statuses(5);
    expect(await statuses(5)).toEqual(a);
    expect(a.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(a.filter((s) => s >= 500).length).toBeGreaterThan(0);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
  });
});

describe('control API', () => {
  async function control(standin: DiscordStandin, method: string, path: string, body?: unknown) {
    const res = await fetch(`${standin.url}/_standin${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
  }

  it('sets faults (strictly validated) and reads stats', async () => {
    const standin = await start();
    expect(await control(standin, 'POST', '/faults', { failAfterCreate: 2 })).toMatchObject({ status: 200, json: { failAfterCreate: 2 } });
    expect((await control(standin, 'POST', '/faults', { failAfterCreat: 2 })).status).toBe(400);
    expect((await control(standin, 'POST', '/faults', { serverErrorRate: 2 })).status).toBe(400);
    expect(standin.faults().failAfterCreate).toBe(2);
    await get(standin, '/users/@me');
    expect((await control(standin, 'GET', '/stats')).json).toMatchObject({ requests: 1, byRoute: { usersMe: 1 } });
  });

  it('adds, re-roles, renames and removes members; lists posted messages', async () => {
    const standin = await start();
    const { server } = standin;
    const added = await control(standin, 'POST', '/members', { username: 'viacontrol', nick: 'Kazgor', roles: [server.rankRoleIds[3]] });
    expect(added.status).toBe(201);
    const id = added.json.user.id as string;
    expect(id).toMatch(/^\d{18}$/);
    expect((await control(standin, 'PUT', `/members/${id}/roles`, { roles: [server.rankRoleIds[2]] })).json.roles).toEqual([server.rankRoleIds[2]]);
    expect((await control(standin, 'PATCH', `/members/${id}`, { nick: null })).json.nick).toBeNull();
    expect((await control(standin, 'PUT', `/members/${id}/roles`, { roles: ['123'] })).status).toBe(400);
    expect((await control(standin, 'DELETE', `/members/${id}`)).status).toBe(204);
    expect((await control(standin, 'DELETE', `/members/${id}`)).status).toBe(404);
    // Re-joining: same id, roles gone, flagged as a re-join.
    const back = await control(standin, 'POST', '/members', { id, username: 'viacontrol' });
    expect(back.json).toMatchObject({ roles: [], flags: 1, user: { id } });
    expect((await control(standin, 'POST', '/members', { id, username: 'viacontrol' })).status).toBe(409);
    await post(standin, `/channels/${server.auditChannelId}/messages`, { content: 'hello' });
    expect((await control(standin, 'GET', `/channels/${server.auditChannelId}/messages`)).json.map((m: any) => m.content)).toEqual(['hello']);
  });
});
