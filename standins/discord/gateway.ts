import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../../config/logger';
import type { DemoDiscordMember, DemoDiscordServer } from './demoServer';
import { guildCreateJson, memberJson, selfUserJson, userJson } from './shapes';

/**
 * Discord's gateway as discord.js v14 (@discordjs/ws) uses it: HELLO → IDENTIFY → READY →
 * GUILD_CREATE, heartbeats, RESUME with replay of missed dispatches by sequence, INVALID_SESSION,
 * the close codes, intents (GuildMembers is privileged), REQUEST_GUILD_MEMBERS with its 30-second
 * limit on the full list, and the optional zlib-stream / payload compression. JSON encoding only.
 */

export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  MessageContent: 1 << 15,
} as const;

/** Every intent bit Discord knows today (0–25, without the retired 11 and 22–23). */
const KNOWN_INTENTS = (1 << 26) - 1 - (1 << 11) - (1 << 22) - (1 << 23);

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, VoiceStateUpdate: 4, Resume: 6, Reconnect: 7, RequestGuildMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

export const CLOSE_REASONS: Record<number, string> = {
  4000: 'Unknown error.',
  4001: 'Unknown opcode.',
  4002: 'Error while decoding payload.',
  4003: 'Not authenticated.',
  4004: 'Authentication failed.',
  4005: 'Already authenticated.',
  4007: 'Invalid seq.',
  4008: 'Rate limited.',
  4009: 'Session timed out.',
  4010: 'Invalid shard.',
  4011: 'Sharding required.',
  4012: 'Invalid API version.',
  4013: 'Invalid intent(s).',
  4014: 'Disallowed intent(s).',
};

/** After these the session is gone: the client must IDENTIFY again (Discord's docs, "Gateway Close Event Codes"). */
const ENDS_SESSION = new Set([1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);

/** How long a dropped session stays resumable, and how many dispatches it keeps for the replay. */
const RESUME_WINDOW_MS = 5 * 60_000;
const MAX_REPLAY = 5_000;
/** Discord: 120 gateway commands per 60 s per connection, then close 4008. */
const SEND_LIMIT = 120;
const SEND_WINDOW_MS = 60_000;
/** Discord: the whole member list over the gateway once per 30 s. */
const FULL_MEMBER_LIST_INTERVAL_MS = 30_000;
const CHUNK_SIZE = 1_000;

export interface GatewayCounters {
  gatewayConnections: number;
  identifies: number;
  resumes: number;
  invalidSessions: number;
  heartbeats: number;
  dispatches: number;
  memberChunkRequests: number;
  /** Close codes the stand-in sent, by code. */
  gatewayCloses: Record<string, number>;
}

export interface GatewayOptions {
  server: DemoDiscordServer;
  botToken: string;
  heartbeatIntervalMs: number;
  serverMembersIntentEnabled: () => boolean;
  gatewayUrl: () => string;
  lastMessageIds: () => Map<string, string>;
  counters: () => GatewayCounters;
  onIdentify?: () => void;
  logger?: Logger;
}

interface Dispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  intents: number;
  shard: [number, number];
  largeThreshold: number;
  seq: number;
  /** Dispatches kept for RESUME, oldest first. */
  events: Dispatch[];
  connection?: Connection;
  disconnectedAt?: number;
  ended: boolean;
}

interface Connection {
  ws: WebSocket;
  version: number;
  session?: Session;
  /** zlib-stream: one deflate context for the whole connection. */
  deflate?: zlib.Deflate;
  deflated: Buffer[];
  /** Keeps compressed frames in order. */
  sendChain: Promise<void>;
  /** IDENTIFY `compress: true`: large payloads go out as separately deflated binary frames. */
  compressPayloads: boolean;
  window: { start: number; used: number };
}

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private lastFullMemberList = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: GatewayOptions) {}

  /** Takes an HTTP upgrade on /gateway; refuses what discord.js never asks for (ETF, zstd). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://standin');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    const compress = url.searchParams.get('compress');
    if (encoding !== 'json' || (compress !== null && compress !== 'zlib-stream')) {
      const why = `The stand-in speaks encoding=json with optional compress=zlib-stream (asked: encoding=${encoding}, compress=${compress ?? 'none'})`;
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\nConnection: close\r\n\r\n${why}`);
      return;
    }
    const version = Number(url.searchParams.get('v') ?? '10');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, version, compress === 'zlib-stream'));
  }

  private accept(ws: WebSocket, version: number, zlibStream: boolean): void {
    const conn: Connection = {
      ws,
      version,
      deflated: [],
      sendChain: Promise.resolve(),
      compressPayloads: false,
      window: { start: Date.now(), used: 0 },
    };
    if (zlibStream) {
      conn.deflate = zlib.createDeflate({ chunkSize: 64 * 1024 });
      conn.deflate.on('data', (chunk: Buffer) => conn.deflated.push(chunk));
      // Only after the socket closed (the stream is destroyed with it): nothing left to send.
      conn.deflate.on('error', (err) => this.opts.logger?.debug({ err }, 'Discord stand-in: deflate after close'));
    }
    this.connections.add(conn);
    this.opts.counters().gatewayConnections += 1;
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', (err) => this.opts.logger?.debug({ err }, 'Discord stand-in: gateway socket error'));
    if (version !== 9 && version !== 10) {
      this.closeWith(conn, 4012);
      return;
    }
    this.send(conn, { op: Op.Hello, d: { heartbeat_interval: this.opts.heartbeatIntervalMs, _trace: ['["patt-standin-gateway",{"micros":0}]'] }, s: null, t: null });
  }

  private send(conn: Connection, payload: object): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    const json = JSON.stringify(payload);
    const { deflate } = conn;
    if (deflate) {
      // One zlib context for the connection; each message ends with a sync flush (00 00 ff ff),
      // which is how clients know a message is complete.
      conn.sendChain = conn.sendChain.then(
        () =>
          new Promise<void>((resolve) => {
            deflate.write(json);
            deflate.flush(zlib.constants.Z_SYNC_FLUSH, () =>
              setImmediate(() => {
                const frame = Buffer.concat(conn.deflated.splice(0));
                if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(frame, { binary: true });
                resolve();
              }),
            );
          }),
      );
      return;
    }
    if (conn.compressPayloads && json.length > 1024) {
      conn.ws.send(zlib.deflateSync(json), { binary: true });
      return;
    }
    conn.ws.send(json);
  }

  private closeWith(conn: Connection, code: number): void {
    const counters = this.opts.counters();
    counters.gatewayCloses[String(code)] = (counters.gatewayCloses[String(code)] ?? 0) + 1;
    if (conn.session && ENDS_SESSION.has(code)) this.endSession(conn.session);
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) {
      // Let queued (compressed) frames go out first. Codes a close frame may not carry (1005, 1006…)
      // end the connection without one.
      void conn.sendChain.then(() => {
        try {
          conn.ws.close(code, CLOSE_REASONS[code] ?? '');
        } catch {
          conn.ws.terminate();
        }
      });
    }
  }

  private endSession(session: Session): void {
    session.ended = true;
    this.sessions.delete(session.id);
  }

  private onClose(conn: Connection, code: number): void {
    this.connections.delete(conn);
    conn.deflate?.destroy();
    const session = conn.session;
    if (!session || session.connection !== conn) return;
    session.connection = undefined;
    session.disconnectedAt = Date.now();
    // A client that closes with 1000/1001 ends its session; any other close keeps it resumable.
    if (code === 1000 || code === 1001) this.endSession(session);
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const now = Date.now();
    if (now - conn.window.start >= SEND_WINDOW_MS) conn.window = { start: now, used: 0 };
    conn.window.used += 1;
    if (conn.window.used > SEND_LIMIT) {
      this.closeWith(conn, 4008);
      return;
    }
    let payload: { op?: unknown; d?: unknown };
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      payload = JSON.parse(text) as typeof payload;
    } catch {
      this.opts.logger?.debug({ isBinary }, 'Discord stand-in: undecodable gateway payload');
      this.closeWith(conn, 4002);
      return;
    }
    if (typeof payload !== 'object' || payload === null || typeof payload.op !== 'number') {
      this.closeWith(conn, 4002);
      return;
    }
    const d = payload.d;
    switch (payload.op) {
      case Op.Heartbeat:
        this.opts.counters().heartbeats += 1;
        this.send(conn, { op: Op.HeartbeatAck, d: null, s: null, t: null });
        return;
      case Op.Identify:
        this.identify(conn, d);
        return;
      case Op.Resume:
        this.resume(conn, d);
        return;
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
        if (!conn.session) this.closeWith(conn, 4003);
        return;
      case Op.RequestGuildMembers:
        if (!conn.session) this.closeWith(conn, 4003);
        else this.requestGuildMembers(conn, conn.session, d);
        return;
      default:
        this.closeWith(conn, 4001);
    }
  }

  private tokenOk(token: unknown): boolean {
    return typeof token === 'string' && token.replace(/^Bot\s+/i, '') === this.opts.botToken;
  }

  private identify(conn: Connection, d: unknown): void {
    if (conn.session) {
      this.closeWith(conn, 4005);
      return;
    }
    const identify = d as { token?: unknown; intents?: unknown; shard?: unknown; properties?: unknown; large_threshold?: unknown; compress?: unknown } | null;
    if (typeof identify !== 'object' || identify === null || typeof identify.properties !== 'object') {
      this.closeWith(conn, 4002);
      return;
    }
    if (!this.tokenOk(identify.token)) {
      this.closeWith(conn, 4004);
      return;
    }
    const shard = identify.shard ?? [0, 1];
    if (
      !Array.isArray(shard) || shard.length !== 2 || !shard.every((n) => Number.isInteger(n)) ||
      (shard[1] as number) < 1 || (shard[0] as number) < 0 || (shard[0] as number) >= (shard[1] as number)
    ) {
      this.closeWith(conn, 4010);
      return;
    }
    const intents = identify.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0) {
      this.closeWith(conn, 4013);
      return;
    }
    if ((intents & Intents.GuildMembers) !== 0 && !this.opts.serverMembersIntentEnabled()) {
      this.closeWith(conn, 4014);
      return;
    }
    const large = identify.large_threshold;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard: shard as [number, number],
      largeThreshold: typeof large === 'number' && large >= 50 && large <= 250 ? large : 50,
      seq: 0,
      events: [],
      connection: conn,
      ended: false,
    };
    conn.session = session;
    conn.compressPayloads = identify.compress === true;
    this.sessions.set(session.id, session);
    this.opts.counters().identifies += 1;
    this.opts.onIdentify?.();

    const { server } = this.opts;
    const owns = this.ownsGuild(session);
    session.seq += 1;
    this.send(conn, {
      op: Op.Dispatch,
      t: 'READY',
      s: session.seq,
      d: {
        v: conn.version,
        user_settings: {},
        user: selfUserJson(server.botUser),
        guilds: owns ? [{ id: server.guildId, unavailable: true }] : [],
        session_id: session.id,
        session_type: 'normal',
        resume_gateway_url: this.opts.gatewayUrl(),
        shard: session.shard,
        application: { id: server.applicationId, flags: this.applicationFlags() },
        private_channels: [],
        presences: [],
        relationships: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: ['us-central', 'us-east', 'us-south', 'us-west', 'atlanta'],
        auth: {},
        _trace: ['["patt-standin-gateway",{"micros":0}]'],
      },
    });
    this.opts.counters().dispatches += 1;
    // Without the Guilds intent the guild stays unavailable (discord.js then stops waiting at once).
    if (owns && (intents & Intents.Guilds) !== 0) {
      this.dispatchTo(session, 'GUILD_CREATE', guildCreateJson(server, this.opts.lastMessageIds(), session.largeThreshold));
    }
  }

  /** GATEWAY_GUILD_MEMBERS_LIMITED (1 << 15): an unverified bot with the Server Members intent switched on. */
  private applicationFlags(): number {
    return this.opts.serverMembersIntentEnabled() ? 1 << 15 : 0;
  }

  private ownsGuild(session: Session): boolean {
    const [id, count] = session.shard;
    return Number((BigInt(this.opts.server.guildId) >> 22n) % BigInt(count)) === id;
  }

  private resume(conn: Connection, d: unknown): void {
    if (conn.session) {
      this.closeWith(conn, 4005);
      return;
    }
    const resume = d as { token?: unknown; session_id?: unknown; seq?: unknown } | null;
    if (typeof resume !== 'object' || resume === null || typeof resume.session_id !== 'string') {
      this.closeWith(conn, 4002);
      return;
    }
    if (!this.tokenOk(resume.token)) {
      this.closeWith(conn, 4004);
      return;
    }
    const session = this.sessions.get(resume.session_id);
    const seq = typeof resume.seq === 'number' ? resume.seq : 0;
    const oldest = session?.events[0]?.s;
    const replayable =
      session !== undefined &&
      !session.ended &&
      (session.disconnectedAt === undefined || Date.now() - session.disconnectedAt <= RESUME_WINDOW_MS) &&
      seq <= session.seq &&
      (oldest === undefined || seq >= oldest - 1 || seq >= session.seq);
    if (!replayable) {
      if (session) this.endSession(session);
      this.opts.counters().invalidSessions += 1;
      // d=false: not resumable; the client waits a moment and IDENTIFYs again.
      this.send(conn, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const previous = session.connection;
    if (previous && previous !== conn) {
      previous.session = undefined;
      previous.ws.terminate();
    }
    session.connection = conn;
    session.disconnectedAt = undefined;
    conn.session = session;
    this.opts.counters().resumes += 1;
    for (const event of session.events) {
      if (event.s > seq) {
        this.send(conn, event);
        this.opts.counters().dispatches += 1;
      }
    }
    session.seq += 1;
    this.send(conn, { op: Op.Dispatch, t: 'RESUMED', s: session.seq, d: { _trace: ['["patt-standin-gateway",{"micros":0}]'] } });
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const event: Dispatch = { op: 0, t, s: session.seq, d };
    session.events.push(event);
    if (session.events.length > MAX_REPLAY) session.events.shift();
    if (session.connection) {
      this.send(session.connection, event);
      this.opts.counters().dispatches += 1;
    }
  }

  /** Sends an event to every live session that asked for `intent`; disconnected ones keep it for RESUME. */
  broadcast(t: string, d: unknown, intent: number): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (session.disconnectedAt !== undefined && now - session.disconnectedAt > RESUME_WINDOW_MS) {
        this.endSession(session);
        continue;
      }
      if ((session.intents & intent) === 0 || !this.ownsGuild(session)) continue;
      this.dispatchTo(session, t, d);
    }
  }

  memberAdded(m: DemoDiscordMember): void {
    this.broadcast('GUILD_MEMBER_ADD', { ...memberJson(m), guild_id: this.opts.server.guildId }, Intents.GuildMembers);
  }

  memberUpdated(m: DemoDiscordMember): void {
    const { mute: _m, deaf: _d, ...member } = memberJson(m);
    this.broadcast('GUILD_MEMBER_UPDATE', { ...member, guild_id: this.opts.server.guildId }, Intents.GuildMembers);
  }

  memberRemoved(m: DemoDiscordMember): void {
    this.broadcast('GUILD_MEMBER_REMOVE', { guild_id: this.opts.server.guildId, user: userJson(m.user) }, Intents.GuildMembers);
  }

  messageCreated(message: object, author: DemoDiscordMember | undefined): void {
    const member = author ? (({ user: _u, ...rest }) => rest)(memberJson(author)) : undefined;
    this.broadcast('MESSAGE_CREATE', { ...message, guild_id: this.opts.server.guildId, ...(member ? { member } : {}) }, Intents.GuildMessages);
  }

  private requestGuildMembers(conn: Connection, session: Session, d: unknown): void {
    const req = d as { guild_id?: unknown; query?: unknown; limit?: unknown; presences?: unknown; user_ids?: unknown; nonce?: unknown } | null;
    if (typeof req !== 'object' || req === null) {
      this.closeWith(conn, 4002);
      return;
    }
    const { server } = this.opts;
    if (req.guild_id !== server.guildId) return;
    this.opts.counters().memberChunkRequests += 1;
    const nonce = typeof req.nonce === 'string' ? req.nonce.slice(0, 32) : undefined;
    const presences = req.presences === true;
    let found: DemoDiscordMember[];
    let notFound: string[] | undefined;
    if (req.user_ids !== undefined) {
      const ids = (Array.isArray(req.user_ids) ? req.user_ids : [req.user_ids]).map(String).slice(0, 100);
      found = ids.map((id) => server.members.get(id)).filter((m): m is DemoDiscordMember => m !== undefined);
      notFound = ids.filter((id) => !server.members.has(id));
    } else {
      const query = typeof req.query === 'string' ? req.query.toLowerCase() : '';
      const limit = typeof req.limit === 'number' && req.limit > 0 ? req.limit : 0;
      if (query === '') {
        // The whole list needs the GuildMembers intent, and Discord allows it once per 30 s.
        if ((session.intents & Intents.GuildMembers) === 0) {
          this.closeWith(conn, 4013);
          return;
        }
        const wait = this.lastFullMemberList + FULL_MEMBER_LIST_INTERVAL_MS - Date.now();
        if (wait > 0) {
          this.dispatchTo(session, 'RATE_LIMITED', { opcode: Op.RequestGuildMembers, retry_after: wait / 1000, meta: { guild_id: server.guildId, ...(nonce ? { nonce } : {}) } });
          return;
        }
        this.lastFullMemberList = Date.now();
        found = [...server.members.values()];
        if (limit > 0) found = found.slice(0, limit);
      } else {
        const max = Math.min(limit || 100, 100);
        found = [];
        for (const m of server.members.values()) {
          if (found.length >= max) break;
          if (m.user.username.toLowerCase().startsWith(query) || (m.nick ?? '').toLowerCase().startsWith(query)) found.push(m);
        }
      }
    }
    const chunkCount = Math.max(1, Math.ceil(found.length / CHUNK_SIZE));
    for (let i = 0; i < chunkCount; i += 1) {
      this.dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
        guild_id: server.guildId,
        members: found.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE).map(memberJson),
        chunk_index: i,
        chunk_count: chunkCount,
        ...(notFound && i === 0 ? { not_found: notFound } : {}),
        ...(presences ? { presences: [] } : {}),
        ...(nonce ? { nonce } : {}),
      });
    }
  }

  /** Cuts every socket without a close frame (a network drop): sessions stay resumable. */
  drop(): void {
    for (const conn of this.connections) conn.ws.terminate();
  }

  /** Closes every socket with `code`; codes that end a session (4007, 4009, 4004, 4010–4014, 1000) end it. */
  closeAll(code: number): void {
    for (const conn of [...this.connections]) this.closeWith(conn, code);
  }

  /** Sends op 7 RECONNECT to every connection: the client should reconnect and RESUME. */
  requestReconnect(): void {
    for (const conn of this.connections) this.send(conn, { op: Op.Reconnect, d: null, s: null, t: null });
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.ws.terminate();
    this.connections.clear();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
