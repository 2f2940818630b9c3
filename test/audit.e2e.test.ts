import type { Knex } from 'knex';
import { importSheet } from '../db/operations/identity/importSheet';
import { demoSheet } from '../scripts/demoSheet';
import { testKnex } from './db';
import { startDemoHarness, type DemoHarness } from './demoHarness';

/**
 * The audit as the demo runs it: syncs end by asking for an audit; the guild's audit workflow runs
 * the rules and posts what officers have not been told to the stand-in's #audit-channel.
 */
let knex: Knex;
let h: DemoHarness;
let guildId: number;
let channelId: string;
let discordStandin: DemoHarness['discordStandin'];

beforeAll(async () => {
  knex = testKnex();
  // Big enough that the first report takes several messages (each section says its shared action
  // once, so 60 characters now fit in one): the posting is tested part by part.
  h = await startDemoHarness(knex, { size: 120, discordSize: 160 });
  guildId = h.guildId;
  channelId = h.server.auditChannelId;
  discordStandin = h.discordStandin;
});
afterAll(async () => {
  await h.close();
  await knex.destroy();
});

const rosterSync = () => h.rosterSync();
const reconcile = () => h.reconcile();
const auditDone = () => h.auditDone();
const posted = () => discordStandin.messages(channelId);

describe('the audit, end to end', () => {
  it('posts the first full audit whole and in order, once every finding is told, through Discord 500s, 429s and timeouts', async () => {
    // Message posts that fail after creating, before creating, hang past the client's timeout, or are rate-limited.
    discordStandin.setFaults({ failAfterCreate: 2, failBeforeCreate: 1, hangAfterCreate: 1, hangAfterCreateMs: 2_500, rateLimitMessages: 1 });
    const synced = await rosterSync();
    expect(synced.audit).toMatchObject({ status: 'requested' });
    const reconciled = await reconcile();
    expect(reconciled.audit).toMatchObject({ status: 'requested' });
    await importSheet(knex, guildId, { ...demoSheet(h.guild, h.server), dryRun: false, by: 'Mike' });
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
