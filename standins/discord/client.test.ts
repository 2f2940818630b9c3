import { Client, Events, GatewayIntentBits, Partials, type GuildMember, type PartialGuildMember } from 'discord.js';
import { generateDemoDiscordServer, type DemoDiscordServer } from './demoServer';
import { startDiscordStandin, type DiscordStandin, type DiscordStandinOptions } from './server';
import { nextEvent, until, withTimeout } from './testing';

/** The real, unmodified discord.js client against the stand-in. */

const TOKEN = 'standin-test-bot-token';
const running: DiscordStandin[] = [];
const clients: Client[] = [];

async function start(overrides: Partial<DiscordStandinOptions> = {}, size = 60): Promise<DiscordStandin> {
  const server = overrides.server ?? generateDemoDiscordServer({ size, seed: 7 });
  const standin = await startDiscordStandin({ botToken: TOKEN, ...overrides, server });
  running.push(standin);
  return standin;
}

function newClient(standin: DiscordStandin, intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers]): Client {
  const client = new Client({ intents, partials: [Partials.GuildMember], rest: { api: standin.apiUrl } });
  clients.push(client);
  return client;
}

/** Logs in and waits for clientReady (listener attached before login, as discord.js needs). */
async function login(standin: DiscordStandin, token = TOKEN): Promise<Client<true>> {
  const client = newClient(standin);
  const ready = nextEvent<[Client<true>]>(client, Events.ClientReady, 8_000);
  await withTimeout(client.login(token), 8_000, 'login');
  const [c] = await ready;
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const guildOf = (client: Client, server: DemoDiscordServer) => client.guilds.cache.get(server.guildId)!;
const someHuman = (server: DemoDiscordServer, skip = 0) =>
  [...server.members.values()].filter((m) => !m.user.bot && m.demo?.kind === 'player')[skip]!;

describe('discord.js logs in', () => {
  it('becomes ready with the guild, its roles, channels and the bot member in the cache', async () => {
    const standin = await start();
    const client = await login(standin);
    const { server } = standin;
    expect(client.user.id).toBe(server.botUser.id);
    expect(client.user.bot).toBe(true);
    expect(client.application.id).toBe(server.applicationId);
    const guild = guildOf(client, server);
    expect(guild.name).toBe('Pull All The Things');
    expect(guild.available).toBe(true);
    expect(guild.memberCount).toBe(60);
    expect(guild.ownerId).toBe(server.ownerId);
    expect(guild.roles.cache.map((r) => r.name).sort()).toEqual(server.roles.map((r) => r.name).sort());
    expect(guild.roles.everyone.id).toBe(server.guildId);
    expect(guild.roles.cache.find((r) => r.name === 'PATT Sync')!.tags?.botId).toBe(server.botUser.id);
    const audit = guild.channels.cache.get(server.auditChannelId)!;
    expect(audit.name).toBe('audit-channel');
    expect(audit.isTextBased()).toBe(true);
    expect(guild.channels.cache.some((c) => c.name === 'general')).toBe(true);
    expect(guild.members.me?.id).toBe(server.botUser.id);
    const stats = standin.stats();
    expect(stats).toMatchObject({ identifies: 1, resumes: 0, gatewayConnections: 1 });
    expect(stats.byRoute.gatewayBot).toBe(1);
  });

  it('rejects login with a wrong token (401 on GET /gateway/bot)', async () => {
    const standin = await start();
    const client = newClient(standin);
    await expect(withTimeout(client.login('not-the-token'), 8_000, 'login')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(standin.stats().unauthorized).toBe(1);
    expect(standin.stats().identifies).toBe(0);
  });

  it('fails login with "disallowed intents" when the Server Members intent is off in the portal', async () => {
    const standin = await start({ serverMembersIntentEnabled: false });
    const client = newClient(standin);
    await expect(withTimeout(client.login(TOKEN), 8_000, 'login')).rejects.toThrow(/disallowed intents/i);
    expect(standin.stats().gatewayCloses['4014']).toBe(1);
    // Without the privileged intent the same bot still logs in.
    const plain = newClient(standin, [GatewayIntentBits.Guilds]);
    const ready = nextEvent(plain, Events.ClientReady, 8_000);
    await withTimeout(plain.login(TOKEN), 8_000, 'login without GuildMembers');
    await ready;
    expect(plain.guilds.cache.get(standin.server.guildId)?.available).toBe(true);
  });
});

describe('members over REST', () => {
  it('pages through 2,500 members with guild.members.list({limit: 1000, after}): every id once, in numeric order', async () => {
    const standin = await start({}, 2_500);
    // A newer account: 19 digits, so it sorts after every 18-digit id although "1…" < "9…" as text.
    const newest = standin.addMemberSilently({ id: '1300000000000000001', username: 'newcomer' });
    const client = await login(standin);
    const guild = guildOf(client, standin.server);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const members = await guild.members.list({ limit: 1000, ...(after ? { after } : {}) });
      seen.push(...members.keys());
      if (members.size < 1000) break;
      after = members.lastKey();
    }
    const expected = [...standin.server.members.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(seen).toHaveLength(2_501);
    expect(new Set(seen).size).toBe(2_501);
    expect(seen).toEqual(expected);
    expect(seen[seen.length - 1]).toBe(newest.user.id);
    expect(standin.stats().memberPagesServed).toBe(3);
    expect(standin.stats().membersServed).toBe(2_501);
  });

  it('fetches the whole list over the gateway once, then answers RATE_LIMITED within 30 s', async () => {
    const standin = await start();
    const client = await login(standin);
    const guild = guildOf(client, standin.server);
    const all = await withTimeout(guild.members.fetch(), 5_000, 'members.fetch');
    expect(all.size).toBe(standin.server.members.size);
    await expect(withTimeout(guild.members.fetch(), 5_000, 'second members.fetch')).rejects.toThrow(/rate limit/i);
    expect(standin.stats().memberChunkRequests).toBe(2);
  });
});

describe('live member events', () => {
  it('delivers join, role change, nickname change and leave as guildMemberAdd/Update/Remove', async () => {
    const standin = await start();
    const client = await login(standin);
    const { server } = standin;
    const memberRole = server.rankRoleIds[3]!;

    const added = nextEvent<[GuildMember]>(client, Events.GuildMemberAdd, 5_000);
    const created = standin.addMember({ username: 'freshface', globalName: 'Fresh', nick: 'Kazgor', roles: [memberRole] });
    const [joined] = await added;
    expect(joined.id).toBe(created.user.id);
    expect(joined.guild.id).toBe(server.guildId);
    expect(joined.nickname).toBe('Kazgor');
    expect(joined.user.globalName).toBe('Fresh');
    expect(joined.roles.cache.has(memberRole)).toBe(true);

    const updated = nextEvent<[GuildMember | PartialGuildMember, GuildMember]>(client, Events.GuildMemberUpdate, 5_000);
    standin.setMemberRoles(created.user.id, [server.rankRoleIds[2]!]);
    const [before, after] = await updated;
    expect(before.roles.cache.has(memberRole)).toBe(true);
    expect(after.roles.cache.has(server.rankRoleIds[2]!)).toBe(true);
    expect(after.roles.cache.has(memberRole)).toBe(false);

    const renamed = nextEvent<[GuildMember | PartialGuildMember, GuildMember]>(client, Events.GuildMemberUpdate, 5_000);
    standin.setNickname(created.user.id, null);
    expect((await renamed)[1].nickname).toBeNull();

    // A member the client never cached: with Partials.GuildMember the update still arrives.
    const stranger = someHuman(server);
    const strangerUpdate = nextEvent<[GuildMember | PartialGuildMember, GuildMember]>(client, Events.GuildMemberUpdate, 5_000, (_, m) => m.id === stranger.user.id);
    standin.setMemberRoles(stranger.user.id, []);
    const [old, now] = await strangerUpdate;
    expect(old.partial).toBe(true);
    expect(now.roles.cache.size).toBe(1); // @everyone only

    const removed = nextEvent<[GuildMember | PartialGuildMember]>(client, Events.GuildMemberRemove, 5_000);
    standin.removeMember(created.user.id);
    expect((await removed)[0].id).toBe(created.user.id);
    expect(server.members.has(created.user.id)).toBe(false);
    expect(server.departed.has(created.user.id)).toBe(true);
  });

  it('does not dispatch silent changes', async () => {
    const standin = await start();
    const client = await login(standin);
    const dispatched: string[] = [];
    client.on(Events.Raw, (packet: { t?: string }) => {
      if (packet.t) dispatched.push(packet.t);
    });
    standin.addMemberSilently({ username: 'quietone' });
    // A loud change after the silent one: once it arrives, the silent one would have too.
    const loud = nextEvent(client, Events.GuildMemberAdd, 5_000);
    standin.addMember({ username: 'loudone' });
    await loud;
    expect(dispatched.filter((t) => t === 'GUILD_MEMBER_ADD')).toHaveLength(1);
  });
});

describe('gateway reconnects', () => {
  it('RESUMEs after a network drop and replays an event dispatched while disconnected', async () => {
    const standin = await start();
    const client = await login(standin);
    standin.dropGatewayConnections();
    const added = nextEvent<[GuildMember]>(client, Events.GuildMemberAdd, 8_000);
    const missed = standin.addMember({ username: 'whileaway' });
    const [member] = await added;
    expect(member.id).toBe(missed.user.id);
    await until(() => standin.stats().resumes === 1, 8_000, 'the RESUME');
    expect(standin.stats()).toMatchObject({ identifies: 1, resumes: 1, gatewayConnections: 2, invalidSessions: 0 });
  });

  it('RESUMEs after close code 4000 and after op 7 RECONNECT', async () => {
    const standin = await start();
    const client = await login(standin);
    const resumed = nextEvent(client, Events.ShardResume, 8_000);
    standin.closeGatewayConnections(4000);
    await resumed;
    expect(standin.stats()).toMatchObject({ identifies: 1, resumes: 1 });
    const again = nextEvent(client, Events.ShardResume, 8_000);
    standin.requestGatewayReconnect();
    await again;
    expect(standin.stats()).toMatchObject({ identifies: 1, resumes: 2 });
  });
});

describe('gateway sessions that end', () => {
  it('after close code 4009 the RESUME is refused (op 9) and the client IDENTIFYs again', async () => {
    const standin = await start();
    const client = await login(standin);
    const readyAgain = nextEvent(client, Events.ShardReady, 12_000);
    standin.closeGatewayConnections(4009);
    await readyAgain;
    expect(standin.stats()).toMatchObject({ identifies: 2, resumes: 0, invalidSessions: 1 });
    // The new session gets live events.
    const added = nextEvent<[GuildMember]>(client, Events.GuildMemberAdd, 5_000);
    standin.addMember({ username: 'afterreset' });
    expect((await added)[0].user.username).toBe('afterreset');
  }, 20_000);
});
