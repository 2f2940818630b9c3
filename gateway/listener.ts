import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client as TemporalClient } from '@temporalio/client';
import { Client, Events, GatewayIntentBits, Partials, type GuildMember, type PartialGuildMember } from 'discord.js';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import { recordGatewayStatus, type GatewayStatusUpdate } from '../db/operations/discordSync/gatewayStatus';
import { discordReconcileInput } from '../temporal/schedules';
import { TASK_QUEUES, discordReconcileWorkflowId, type DiscordMemberEvent, type TaskQueues } from '../workflows/shared';
import { EventForwarder } from './eventForwarder';
import { departedUser, snapshotFromGuildMember } from './memberSnapshots';

export interface GatewayListenerOptions {
  config: Pick<Config, 'discord' | 'guild' | 'blizzard'>;
  /** The guild's row id. */
  guildId: number;
  knex: Knex;
  temporal: TemporalClient;
  logger: Logger;
  taskQueues?: TaskQueues;
  /** How often the listener tells the database it is alive. */
  statusEveryMs?: number;
  /** Pauses between connection attempts: from the first to the last, doubling. */
  backoffMs?: { first: number; max: number };
  /** Start a reconcile after each fresh session (READY), to catch up on what happened meanwhile. */
  reconcileOnReady?: boolean;
}

const READY_TIMEOUT_MS = 30_000;

/** Problems that another attempt with the same settings cannot fix (the listener still retries slowly). */
export class GatewaySetupError extends Error {
  override name = 'GatewaySetupError';
}

/**
 * The Discord gateway listener: one discord.js client with the Server Members intent. Every join,
 * leave and member update on the guild's server becomes a signal to Temporal; after each fresh
 * session it starts a reconcile; it reconnects by itself (discord.js resumes dropped sessions; this
 * class retries failed logins with growing pauses) and writes its state for the status endpoint.
 */
export class GatewayListener {
  private client: Client | null = null;
  private readonly forwarder: EventForwarder;
  private readonly log: Logger;
  private statusTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failures = 0;
  private connectedNow = false;
  readonly queues: TaskQueues;

  constructor(private readonly opts: GatewayListenerOptions) {
    this.log = opts.logger.child({ component: 'discord-gateway' });
    this.queues = opts.taskQueues ?? TASK_QUEUES;
    this.forwarder = new EventForwarder({
      temporal: opts.temporal,
      guildId: opts.guildId,
      guildKey: opts.config.guild.key,
      taskQueue: this.queues.main,
      logger: this.log,
    });
  }

  get connected(): boolean {
    return this.connectedNow;
  }

  /** Events received but not yet handed to Temporal. */
  get pendingEvents(): number {
    return this.forwarder.pending;
  }

  flushed(): Promise<void> {
    return this.forwarder.flushed();
  }

  /**
   * Connects, and keeps connecting until stop(). Resolves after the first successful login; with
   * `failFast`, rejects on the first failure instead (tests, and a clear error at start-up).
   */
  async start(opts: { failFast?: boolean } = {}): Promise<void> {
    this.statusTimer = setInterval(() => void this.status({ kind: 'heartbeat' }), this.opts.statusEveryMs ?? 10_000);
    this.statusTimer.unref();
    for (;;) {
      try {
        await this.connect();
        return;
      } catch (err) {
        if (opts.failFast || this.stopped) throw err;
        await this.pauseBeforeRetry(err);
        if (this.stopped) return;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // Give events already received a moment to reach Temporal; the next reconcile covers the rest.
    await Promise.race([this.forwarder.flushed(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    this.forwarder.stop();
    await this.client?.destroy();
    this.client = null;
    this.connectedNow = false;
    // The database may be shutting down too (Ctrl-C reaches every process): do not wait on it long.
    await Promise.race([this.status({ kind: 'disconnected', error: 'listener stopped' }), new Promise((r) => setTimeout(r, 2_000).unref())]);
  }

  private async connect(): Promise<void> {
    const { discord } = this.opts.config;
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers],
      // Update and remove events fire for members discord.js has not cached only with these partials.
      partials: [Partials.GuildMember, Partials.User],
      rest: { api: discord.apiUrl, timeout: discord.timeoutMs },
    });
    this.client = client;
    this.attach(client);
    let readyTimer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      client.once(Events.ClientReady, () => resolve());
      readyTimer = setTimeout(() => reject(new Error(`no READY from the gateway within ${READY_TIMEOUT_MS / 1000} s of logging in`)), READY_TIMEOUT_MS);
    });
    // Observed here too, so a timeout while login() is still pending is not an unhandled rejection.
    ready.catch(() => undefined);
    try {
      await client.login(discord.botToken);
      await ready;
      this.failures = 0;
    } catch (err) {
      this.client = null;
      await client.destroy().catch(() => undefined);
      throw explain(err, discord.guildId);
    } finally {
      clearTimeout(readyTimer);
    }
  }

  private attach(client: Client): void {
    const guildId = this.opts.config.discord.guildId;
    const ours = (m: GuildMember | PartialGuildMember) => m.guild.id === guildId;

    client.once(Events.ClientReady, (c) => {
      const guild = c.guilds.cache.get(guildId);
      if (!guild) {
        this.log.error({ guildId, guilds: c.guilds.cache.map((g) => g.id) }, `The bot ${c.user.tag} is not on server ${guildId}: invite it, or fix DISCORD_GUILD_ID`);
      } else {
        this.log.info({ bot: c.user.tag, server: guild.name, members: guild.memberCount }, 'Discord gateway connected');
      }
    });
    // Every fresh session (the first, and each new IDENTIFY after a session could not be resumed):
    // events from the gap are lost for good, so a reconcile catches up.
    client.on(Events.ShardReady, () => {
      this.connectedNow = true;
      void this.status({ kind: 'connected', botUser: client.user?.tag ?? 'unknown' });
      if (this.opts.reconcileOnReady ?? true) void this.startReconcile();
    });
    client.on(Events.ShardResume, (_shard, replayed) => {
      this.connectedNow = true;
      this.log.info({ replayed }, 'Discord gateway session resumed');
      void this.status({ kind: 'connected', botUser: client.user?.tag ?? 'unknown' });
    });
    client.on(Events.ShardReconnecting, () => {
      this.connectedNow = false;
      this.log.warn('Discord gateway connection lost; reconnecting');
      void this.status({ kind: 'disconnected', error: 'reconnecting' });
    });
    client.on(Events.ShardDisconnect, (event) => {
      this.connectedNow = false;
      this.log.warn({ code: event.code }, 'Discord gateway closed the connection');
      void this.status({ kind: 'disconnected', error: `gateway closed (${event.code})` });
    });
    client.on(Events.Error, (err) => this.log.error({ err }, 'discord.js error'));
    client.on(Events.Warn, (message) => this.log.warn({ message }, 'discord.js warning'));

    client.on(Events.GuildMemberAdd, (member) => {
      if (ours(member)) this.forward({ kind: 'joined', member: snapshotFromGuildMember(member), observedAt: new Date().toISOString() });
    });
    client.on(Events.GuildMemberUpdate, (_old, member) => {
      if (ours(member)) this.forward({ kind: 'updated', member: snapshotFromGuildMember(member), observedAt: new Date().toISOString() });
    });
    client.on(Events.GuildMemberRemove, (member) => {
      if (ours(member)) this.forward({ kind: 'left', user: departedUser(member), observedAt: new Date().toISOString() });
    });
  }

  private forward(event: DiscordMemberEvent): void {
    const who = event.kind === 'left' ? event.user : event.member;
    this.log.info({ kind: event.kind, userId: who.userId, username: who.username }, `Discord member ${event.kind}`);
    this.forwarder.push(event);
    void this.status({ kind: 'event', at: new Date(event.observedAt) });
  }

  /** A reconcile after a fresh session; joins a running one instead of starting a second. */
  private async startReconcile(): Promise<void> {
    try {
      const handle = await this.opts.temporal.workflow.start('discordReconcile', {
        workflowId: discordReconcileWorkflowId(this.opts.config.guild.key),
        taskQueue: this.queues.main,
        args: [discordReconcileInput(this.opts.config, this.queues)],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      this.log.info({ workflowId: handle.workflowId }, 'Discord reconcile started after connecting');
    } catch (err) {
      this.log.warn({ err }, 'Could not start the Discord reconcile after connecting; the hourly schedule will run it');
    }
  }

  private async pauseBeforeRetry(err: unknown): Promise<void> {
    this.failures += 1;
    const { first, max } = this.opts.backoffMs ?? { first: 1_000, max: 60_000 };
    // Setup problems need a person: try again, but rarely, so the fix is picked up without a restart.
    const delay = err instanceof GatewaySetupError ? Math.max(max, 5 * 60_000) : Math.min(max, first * 2 ** (this.failures - 1));
    const message = err instanceof Error ? err.message : String(err);
    this.log.error({ retryInMs: delay, attempt: this.failures }, `Discord gateway login failed: ${message}`);
    await this.status({ kind: 'disconnected', error: message });
    await new Promise<void>((resolve) => {
      this.retryTimer = setTimeout(resolve, delay);
    });
  }

  private async status(update: GatewayStatusUpdate): Promise<void> {
    try {
      await recordGatewayStatus(this.opts.knex, { guildId: this.opts.guildId, discordGuildId: this.opts.config.discord.guildId, update });
    } catch (err) {
      if (this.stopped) return;
      this.log.warn({ err: (err as Error).message }, 'Could not record the gateway status in the database');
    }
  }
}

/** discord.js errors turned into what the person running the bot should do. */
function explain(err: unknown, guildId: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (/disallowed intents/i.test(message) || code === 'DisallowedIntents' || code === 4014) {
    return new GatewaySetupError(
      'Discord refused the Server Members intent (disallowed intents, close code 4014): turn on "Server Members Intent" under ' +
        'Developer Portal → your application → Bot → Privileged Gateway Intents. The listener retries every 5 minutes.',
    );
  }
  if (/invalid token|TokenInvalid|authentication failed/i.test(message) || code === 'TokenInvalid' || code === 4004) {
    return new GatewaySetupError(`Discord rejected the bot token: check DISCORD_BOT_TOKEN (Developer Portal → Bot → Reset Token). (${message})`);
  }
  return new Error(`Could not connect to the Discord gateway for server ${guildId}: ${message}`, { cause: err });
}
