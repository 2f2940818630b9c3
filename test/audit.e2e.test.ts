import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { DEMO_BLIZZARD_CREDENTIALS, loadConfig, type Config } from '../config';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import { importSheet } from '../db/operations/identity/importSheet';
import { BlizzardClient } from '../integrations/blizzard';
import { DiscordClient } from '../integrations/discord';
import { demoSheet } from '../scripts/demoSheet';
import { generateDemoGuild, startBlizzardStandin, type BlizzardStandin } from '../standins/blizzard';
import { generateDemoDiscordServer, startDiscordStandin, type DiscordStandin } from '../standins/discord';
import { discordReconcileInput } from '../temporal/schedules';
import { auditWorkflowId, type DiscordReconcileResult, type GuildAuditRound, type RosterSyncInput, type RosterSyncResult } from '../workflows/shared';
import { freshGuild, testKnex } from './db';
import { BOT_TOKEN } from './discordHarness';
import { startTestWorkers, type TestWorkers } from './temporal';

/**
 * The audit as the demo runs it: syncs end by asking for an audit; the guild's audit workflow runs
 * the rules and posts what officers have not been told to the stand-in's #audit-channel.
 */
let knex: Knex;
let blizzardStandin: BlizzardStandin;
let discordStandin: DiscordStandin;
let workers: TestWorkers;
let rosterInput: RosterSyncInput;
let config: Config;
let guildId: number;
let guildKey: string;
let channelId: string;
let sheet: { discordIdsCsv: string; charactersCsv: string };

beforeAll(async () => {
  knex = testKnex();
  const g = await freshGuild(knex, 'audit-e2e');
  guildId = g.id;
  guildKey = g.key;
  const guild = generateDemoGuild({ size: 60, seed: 7 });
  guild.slug = g.nameSlug;
  blizzardStandin = await startBlizzardStandin({ guild, ...DEMO_BLIZZARD_CREDENTIALS, port: 0, host: '127.0.0.1' });
  const players = guild.characters.filter((c) => c.isMain).map((c) => ({ name: c.player, mainCharacter: c.name, rank: c.rank }));
  const server = generateDemoDiscordServer({ size: 80, players });
  channelId = server.auditChannelId;
  discordStandin = await startDiscordStandin({ server, botToken: BOT_TOKEN, port: 0 });
  sheet = demoSheet(guild, server);
  const blizzard = new BlizzardClient({ apiUrl: blizzardStandin.url, oauthUrl: blizzardStandin.url, ...DEMO_BLIZZARD_CREDENTIALS, region: 'us', ratePerSecond: 100, ratePerHour: 36_000, timeoutMs: 5_000 });
  const discord = new DiscordClient({ botToken: BOT_TOKEN, apiUrl: discordStandin.apiUrl, timeoutMs: 2_000, maxRateLimitWaitMs: 5_000 });
  workers = await startTestWorkers({ knex, blizzard, discord, audit: { channelId, debounceSeconds: 1, settings: DEFAULT_AUDIT_SETTINGS } });
  rosterInput = { guild: { region: 'us', realmSlug: g.realmSlug, nameSlug: g.nameSlug }, profileBatchSize: 20, blizzardTaskQueue: workers.taskQueues.blizzard };
  const base = loadConfig(process.env);
  config = {
    ...base,
    guild: { realmSlug: g.realmSlug, nameSlug: g.nameSlug, key: g.key },
    discord: { ...base.discord, demo: true, botToken: BOT_TOKEN, guildId: server.guildId, apiUrl: discordStandin.apiUrl, auditChannelId: channelId, timeoutMs: 2_000 },
  };
});
afterAll(async () => {
  await workers.shutdown();
  await blizzardStandin.close();
  await discordStandin.close();
  await knex.destroy();
});

const rosterSync = () =>
  workers.client.workflow.execute('guildRosterSync', { workflowId: `test-audit-roster-${randomUUID()}`, taskQueue: workers.taskQueues.main, args: [rosterInput] }) as Promise<RosterSyncResult>;
const reconcile = () =>
  workers.client.workflow.execute('discordReconcile', { workflowId: `test-audit-discord-${randomUUID()}`, taskQueue: workers.taskQueues.main, args: [discordReconcileInput(config, workers.taskQueues)] }) as Promise<DiscordReconcileResult>;
/** The guild's latest audit run, to its end. */
const auditDone = async () => ((await workers.client.workflow.getHandle(auditWorkflowId(guildKey)).result()) as { rounds: GuildAuditRound[] }).rounds;
const posted = () => discordStandin.messages(channelId);

describe('the audit, end to end', () => {
  it('posts the first full audit whole and in order, once every finding is told, through Discord 500s, 429s and timeouts', async () => {
    // Message posts that fail after creating, before creating, hang past the client's timeout, or are rate-limited.
    discordStandin.setFaults({ failAfterCreate: 2, failBeforeCreate: 1, hangAfterCreate: 1, hangAfterCreateMs: 2_500, rateLimitMessages: 1 });
    const synced = await rosterSync();
    expect(synced.audit).toMatchObject({ status: 'requested' });
    const reconciled = await reconcile();
    expect(reconciled.audit).toMatchObject({ status: 'requested' });
    await importSheet(knex, guildId, { ...sheet, dryRun: false, by: 'Mike' });
    // Whatever ran before the sheet, one more request reports on the guild as it is now.
    await reconcile();
    await auditDone();

    const reports = await knex('audit_reports').where({ guild_id: guildId }).orderBy('id').select('id', 'status', 'first', 'messages', 'finding_ids');
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.every((r) => r.status === 'posted')).toBe(true);
    expect(reports[0]!.first).toBe(true);
    const parts = reports.reduce((n, r) => n + r.messages.length, 0);
    expect(parts).toBeGreaterThan(1);
    // Each part exactly once, though several posts failed or hung after Discord created them.
    expect(posted()).toHaveLength(parts);
    expect(new Set(posted().map((m) => m.content)).size).toBe(parts);
    expect(discordStandin.faults()).toMatchObject({ failAfterCreate: 0, failBeforeCreate: 0, hangAfterCreate: 0, rateLimitMessages: 0 });
    expect(posted()[0]!.embeds[0]!.title).toMatch(/^First full guild audit: /);
    // In order: every report's parts as prepared.
    expect(posted().map((m) => m.content)).toEqual(reports.flatMap((r) => r.messages.map((m: { content?: string }) => m.content)));
    const open = await knex('audit_issues').where({ guild_id: guildId }).whereNull('resolved_at');
    expect(open.length).toBeGreaterThan(0);
    expect(open.filter((i) => i.notified_at === null)).toEqual([]);
    // The demo server's officers: Skate carries an extra Member role (still Officer at best: fine).
    expect(open.map((i) => i.rule)).toEqual(expect.arrayContaining(['character_without_discord']));
  });

  it('posts nothing when nothing changed', async () => {
    const before = posted().length;
    await reconcile();
    const rounds = await auditDone();
    expect(rounds.at(-1)!.report).toBeNull();
    expect(posted()).toHaveLength(before);
  });

  it('posts exactly one new finding after a linked officer leaves the Discord server', async () => {
    const before = posted().length;
    const mito = [...discordStandin.server.members.values()].find((m) => m.user.username === 'mito')!;
    discordStandin.removeMemberSilently(mito.user.id);
    await reconcile();
    const rounds = await auditDone();
    const last = rounds.at(-1)!;
    expect(last.report).toMatchObject({ findings: 1 });
    expect(posted()).toHaveLength(before + 1);
    const message = posted().at(-1)!;
    const fields = message.embeds.flatMap((e) => (e.fields ?? []) as { name: string; value: string }[]);
    expect(fields).toHaveLength(1);
    expect(fields[0]!.value).toMatch(/Bloodvalor-alterac-mountains has no Discord account linked/);
  });
});
