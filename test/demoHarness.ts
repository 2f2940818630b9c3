import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditDeps } from '../activities/auditActivities';
import { DEMO_BLIZZARD_CREDENTIALS, loadConfig, type Config } from '../config';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import { BlizzardClient } from '../integrations/blizzard';
import { DiscordClient } from '../integrations/discord';
import { generateDemoGuild, startBlizzardStandin, type BlizzardStandin, type DemoGuild } from '../standins/blizzard';
import { generateDemoDiscordServer, startDiscordStandin, type DiscordStandin } from '../standins/discord';
import type { DemoDiscordServer } from '../standins/discord/demoServer';
import { discordReconcileInput } from '../temporal/schedules';
import { auditWorkflowId, type DiscordReconcileResult, type GuildAuditRound, type RosterSyncResult } from '../workflows/shared';
import { freshGuild } from './db';
import { BOT_TOKEN } from './discordHarness';
import { startTestWorkers, type TestWorkers } from './temporal';

export interface DemoHarness {
  guildId: number;
  guildKey: string;
  guild: DemoGuild;
  server: DemoDiscordServer;
  blizzardStandin: BlizzardStandin;
  discordStandin: DiscordStandin;
  workers: TestWorkers;
  /** One roster sync on Temporal, to its end. */
  rosterSync(): Promise<RosterSyncResult>;
  /** One Discord reconcile on Temporal, to its end. */
  reconcile(): Promise<DiscordReconcileResult>;
  /** The guild's latest audit run, to its end. */
  auditDone(): Promise<GuildAuditRound[]>;
  close(): Promise<void>;
}

/**
 * The demo as `npm start` runs it, for one test guild: the Blizzard and Discord stand-ins serving
 * a demo guild and its server (players named alike), real workers, real PostgreSQL.
 */
export async function startDemoHarness(knex: Knex, opts: { size?: number; discordSize?: number; audit?: Partial<AuditDeps> & { post?: boolean } } = {}): Promise<DemoHarness> {
  const g = await freshGuild(knex, 'demo');
  const guild = generateDemoGuild({ size: opts.size ?? 60, seed: 7 });
  guild.slug = g.nameSlug;
  const blizzardStandin = await startBlizzardStandin({ guild, ...DEMO_BLIZZARD_CREDENTIALS, port: 0, host: '127.0.0.1' });
  const players = guild.characters.filter((c) => c.isMain).map((c) => ({ name: c.player, mainCharacter: c.name, rank: c.rank }));
  const server = generateDemoDiscordServer({ size: opts.discordSize ?? 80, players });
  const discordStandin = await startDiscordStandin({ server, botToken: BOT_TOKEN, port: 0 });
  const blizzard = new BlizzardClient({ apiUrl: blizzardStandin.url, oauthUrl: blizzardStandin.url, ...DEMO_BLIZZARD_CREDENTIALS, region: 'us', ratePerSecond: 100, ratePerHour: 36_000, timeoutMs: 5_000 });
  const discord = new DiscordClient({ botToken: BOT_TOKEN, apiUrl: discordStandin.apiUrl, timeoutMs: 2_000, maxRateLimitWaitMs: 5_000 });
  const workers = await startTestWorkers({
    knex,
    blizzard,
    discord,
    audit: {
      channelId: opts.audit?.post === false ? null : server.auditChannelId,
      debounceSeconds: opts.audit?.debounceSeconds ?? 1,
      settings: opts.audit?.settings ?? DEFAULT_AUDIT_SETTINGS,
      // Absent: the first report goes out at once (the tests that hold it say so).
      firstReportWaitsFor: opts.audit?.firstReportWaitsFor ?? [],
    },
  });
  const base = loadConfig(process.env);
  const config: Config = {
    ...base,
    guild: { realmSlug: g.realmSlug, nameSlug: g.nameSlug, key: g.key },
    discord: { ...base.discord, demo: true, botToken: BOT_TOKEN, guildId: server.guildId, apiUrl: discordStandin.apiUrl, auditChannelId: server.auditChannelId, timeoutMs: 2_000 },
  };
  const rosterInput = { guild: { region: 'us', realmSlug: g.realmSlug, nameSlug: g.nameSlug }, profileBatchSize: 20, blizzardTaskQueue: workers.taskQueues.blizzard };
  return {
    guildId: g.id,
    guildKey: g.key,
    guild,
    server,
    blizzardStandin,
    discordStandin,
    workers,
    rosterSync: () => workers.client.workflow.execute('guildRosterSync', { workflowId: `test-demo-roster-${randomUUID()}`, taskQueue: workers.taskQueues.main, args: [rosterInput] }) as Promise<RosterSyncResult>,
    reconcile: () =>
      workers.client.workflow.execute('discordReconcile', {
        workflowId: `test-demo-discord-${randomUUID()}`,
        taskQueue: workers.taskQueues.main,
        args: [discordReconcileInput(config, workers.taskQueues)],
      }) as Promise<DiscordReconcileResult>,
    auditDone: async () => ((await workers.client.workflow.getHandle(auditWorkflowId(g.key)).result()) as { rounds: GuildAuditRound[] }).rounds,
    async close() {
      await workers.shutdown();
      await blizzardStandin.close();
      await discordStandin.close();
    },
  };
}
