import zlib from 'node:zlib';
import { WebSocket } from 'ws';
import { generateDemoDiscordServer } from './demoServer';
import { Intents } from './gateway';
import { startDiscordStandin, type DiscordStandin, type DiscordStandinOptions } from './server';
import { withTimeout } from './testing';

/** The gateway protocol itself, spoken by a bare WebSocket: what discord.js relies on, and what it must never see. */

const TOKEN = 'standin-test-bot-token';
const running: DiscordStandin[] = [];
const sockets: WebSocket[] = [];

async function start(overrides: Partial<DiscordStandinOptions> = {}): Promise<DiscordStandin> {
  const standin = await startDiscordStandin({ botToken: TOKEN, server: generateDemoDiscordServer({ size: 30, seed: 5 }), ...overrides });
  running.push(standin);
  return standin;
}

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

interface Payload {
  op: number;
  d: any;
  s: number | null;
  t: string | null;
}

/** A bare gateway connection that keeps every payload and its close. */
class Raw {
  readonly received: Payload[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      this.received.push(JSON.parse(data.toString('utf8')) as Payload);
      this.waiters.forEach((w) => w());
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(standin: DiscordStandin, query = '?v=10&encoding=json'): Promise<Raw> {
    const ws = new WebSocket(`${standin.gatewayUrl}${query}`);
    const raw = new Raw(ws);
    await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 3_000, 'the socket to open');
    return raw;
  }

  send(op: number, d: unknown): void {
    this.ws.send(JSON.stringify({ op, d }));
  }

  /** The first payload (in arrival order) that passes `match`, waiting up to 3 s. */
  async next(match: (p: Payload) => boolean, what: string): Promise<Payload> {
    const find = () => this.received.find(match);
    return withTimeout(
      new Promise<Payload>((resolve) => {
        const check = () => {
          const hit = find();
          if (hit) resolve(hit);
        };
        this.waiters.push(check);
        check();
      }),
      3_000,
      what,
    );
  }

  dispatch(t: string): Promise<Payload> {
    return this.next((p) => p.op === 0 && p.t === t, t);
  }

  async closeCode(): Promise<number> {
    return (await withTimeout(this.closed, 3_000, 'the close')).code;
  }
}

const identify = (intents = Intents.Guilds | Intents.GuildMembers, extra: Record<string, unknown> = {}) => ({
  token: TOKEN,
  intents,
  properties: { os: 'linux', browser: 'test', device: 'test' },
  ...extra,
});

async function ready(standin: DiscordStandin, intents?: number): Promise<Raw> {
  const raw = await Raw.open(standin);
  await raw.next((p) => p.op === 10, 'HELLO');
  raw.send(2, identify(intents));
  await raw.dispatch('READY');
  return raw;
}

describe('handshake', () => {
  it('HELLO, IDENTIFY → READY then GUILD_CREATE; heartbeats are ACKed', async () => {
    const standin = await start({ heartbeatIntervalMs: 1_234 });
    const raw = await Raw.open(standin);
    const hello = await raw.next((p) => p.op === 10, 'HELLO');
    expect(hello.d.heartbeat_interval).toBe(1_234);
    raw.send(1, null);
    await raw.next((p) => p.op === 11, 'the heartbeat ACK');
    raw.send(2, identify());
    const readyEvent = await raw.dispatch('READY');
    expect(readyEvent.s).toBe(1);
    expect(readyEvent.d).toMatchObject({
      v: 10,
      user: { id: standin.server.botUser.id, bot: true },
      guilds: [{ id: standin.server.guildId, unavailable: true }],
      session_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      resume_gateway_url: standin.gatewayUrl,
      shard: [0, 1],
      application: { id: standin.server.applicationId, flags: 1 << 15 },
    });
    const guild = await raw.dispatch('GUILD_CREATE');
    expect(guild.s).toBe(2);
    expect(guild.d).toMatchObject({ id: standin.server.guildId, unavailable: false, member_count: 30, large: false, presences: [] });
    expect(guild.d.members.map((m: any) => m.user.id)).toEqual([standin.server.botUser.id]);
    expect(standin.stats()).toMatchObject({ heartbeats: 1, identifies: 1, gatewayConnections: 1 });
  });

  it.each<[string, number, (raw: Raw) => void]>([
    ['a command before IDENTIFY', 4003, (raw) => raw.send(8, { guild_id: '1', query: '', limit: 0 })],
    ['a wrong token', 4004, (raw) => raw.send(2, { ...identify(), token: 'nope' })],
    ['a payload that is not JSON', 4002, (raw) => raw.ws.send('{"op": 2, ')],
    ['an unknown opcode', 4001, (raw) => raw.send(42, {})],
    ['unknown intent bits', 4013, (raw) => raw.send(2, identify(1 << 30))],
    ['a shard outside the count', 4010, (raw) => raw.send(2, identify(1, { shard: [1, 1] }))],
  ])('closes on %s with %d', async (_what, code, act) => {
    const standin = await start();
    const raw = await Raw.open(standin);
    await raw.next((p) => p.op === 10, 'HELLO');
    act(raw);
    expect(await raw.closeCode()).toBe(code);
  });

  it('closes with 4005 on a second IDENTIFY and 4012 on an API version it does not speak', async () => {
    const standin = await start();
    const raw = await ready(standin);
    raw.send(2, identify());
    expect(await raw.closeCode()).toBe(4005);
    const old = await Raw.open(standin, '?v=6&encoding=json');
    expect(await old.closeCode()).toBe(4012);
  });

  it('closes with 4014 when GuildMembers is asked for but not enabled in the portal', async () => {
    const standin = await start({ serverMembersIntentEnabled: false });
    const raw = await Raw.open(standin);
    await raw.next((p) => p.op === 10, 'HELLO');
    raw.send(2, identify());
    const closed = await withTimeout(raw.closed, 3_000, 'the close');
    expect(closed).toEqual({ code: 4014, reason: 'Disallowed intent(s).' });
  });

  it('refuses ETF encoding at the upgrade', async () => {
    const standin = await start();
    const ws = new WebSocket(`${standin.gatewayUrl}?v=10&encoding=etf`);
    sockets.push(ws);
    const status = await withTimeout(
      new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => undefined)),
      3_000,
      'the refusal',
    );
    expect(status).toBe(400);
  });
});

describe('dispatch and RESUME', () => {
  it('sends GUILD_MEMBER_* only to sessions that asked for GuildMembers, with guild_id', async () => {
    const standin = await start();
    const members = await ready(standin, Intents.Guilds | Intents.GuildMembers);
    const guildsOnly = await ready(standin, Intents.Guilds);
    const added = standin.addMember({ username: 'watched', roles: [standin.server.rankRoleIds[3]!] });
    const add = await members.dispatch('GUILD_MEMBER_ADD');
    expect(add.d).toMatchObject({ guild_id: standin.server.guildId, user: { id: added.user.id, username: 'watched' }, roles: [standin.server.rankRoleIds[3]], nick: null });
    standin.setNickname(added.user.id, 'Watcher');
    expect((await members.dispatch('GUILD_MEMBER_UPDATE')).d).toMatchObject({ guild_id: standin.server.guildId, nick: 'Watcher', user: { id: added.user.id } });
    standin.removeMember(added.user.id);
    expect((await members.dispatch('GUILD_MEMBER_REMOVE')).d).toEqual({ guild_id: standin.server.guildId, user: expect.objectContaining({ id: added.user.id }) });
    // A heartbeat round trip on the other socket: anything sent before its ACK has arrived.
    guildsOnly.send(1, null);
    await guildsOnly.next((p) => p.op === 11, 'ACK');
    expect(guildsOnly.received.filter((p) => p.t?.startsWith('GUILD_MEMBER_'))).toEqual([]);
  });

  it('replays what a dropped session missed, by seq, then RESUMED', async () => {
    const standin = await start();
    const first = await ready(standin);
    const guildCreate = await first.dispatch('GUILD_CREATE');
    const sessionId = (await first.dispatch('READY')).d.session_id as string;
    standin.dropGatewayConnections();
    await withTimeout(first.closed, 3_000, 'the drop');
    const a = standin.addMember({ username: 'missed.one' });
    const b = standin.addMember({ username: 'missed.two' });

    const again = await Raw.open(standin);
    await again.next((p) => p.op === 10, 'HELLO');
    again.send(6, { token: TOKEN, session_id: sessionId, seq: guildCreate.s });
    await again.dispatch('RESUMED');
    const replayed = again.received.filter((p) => p.op === 0);
    expect(replayed.map((p) => [p.t, p.s, p.d.user?.id])).toEqual([
      ['GUILD_MEMBER_ADD', guildCreate.s! + 1, a.user.id],
      ['GUILD_MEMBER_ADD', guildCreate.s! + 2, b.user.id],
      ['RESUMED', guildCreate.s! + 3, undefined],
    ]);
    expect(standin.stats()).toMatchObject({ resumes: 1, identifies: 1 });
  });

  it('answers op 9 (d: false) to a RESUME after 4009 ended the session, and to an unknown session', async () => {
    const standin = await start();
    const first = await ready(standin);
    const sessionId = (await first.dispatch('READY')).d.session_id as string;
    standin.closeGatewayConnections(4009);
    expect(await first.closeCode()).toBe(4009);
    for (const id of [sessionId, 'f'.repeat(32)]) {
      const raw = await Raw.open(standin);
      await raw.next((p) => p.op === 10, 'HELLO');
      raw.send(6, { token: TOKEN, session_id: id, seq: 2 });
      expect((await raw.next((p) => p.op === 9, 'INVALID_SESSION')).d).toBe(false);
    }
    expect(standin.stats()).toMatchObject({ invalidSessions: 2, resumes: 0 });
  });
});

describe('compression', () => {
  it('zlib-stream: one deflate context for the connection, each message ending in a sync flush', async () => {
    const standin = await start();
    const ws = new WebSocket(`${standin.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    sockets.push(ws);
    const frames: Buffer[] = [];
    const gotTwo = new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer, isBinary) => {
        expect(isBinary).toBe(true);
        frames.push(data);
        if (frames.length === 1) ws.send(JSON.stringify({ op: 2, d: identify() }));
        if (frames.length === 3) resolve();
      }),
    );
    await withTimeout(gotTwo, 3_000, 'HELLO, READY and GUILD_CREATE');
    for (const f of frames) expect([...f.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
    const text = zlib.inflateSync(Buffer.concat(frames), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    const payloads = text.split(/(?<=\})(?=\{"op")/).map((s) => JSON.parse(s) as Payload);
    expect(payloads.map((p) => p.t ?? p.op)).toEqual([10, 'READY', 'GUILD_CREATE']);
  });
});
