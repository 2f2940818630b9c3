import type { Knex } from 'knex';
import { importSheet } from '../db/operations/identity/importSheet';
import { testKnex } from './db';
import { startDemoHarness, type DemoHarness } from './demoHarness';

/**
 * The demo guild and server are built to show an audit's findings: players promoted or demoted in
 * game with Discord not updated, players never given a role, former members who kept theirs,
 * players not on Discord, mains idle for months. With every player's account known (a full sheet),
 * the first report carries exactly those.
 */
let knex: Knex;
let h: DemoHarness;
beforeAll(async () => {
  knex = testKnex();
  h = await startDemoHarness(knex, { size: 120, discordSize: 160 });
});
afterAll(async () => {
  await h.close();
  await knex.destroy();
});

const csv = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n');

/** The sheet officers would keep if they had every player: each account and its player's characters. */
function fullSheet() {
  const ids = [['Discord Name', 'Discord ID']];
  const chars = [['Discord Name', 'Character', 'Class', 'Spec', 'Role', 'Main/Alt']];
  for (const m of h.server.members.values()) {
    const player = m.demo?.player;
    if (!player || (m.demo?.kind !== 'player' && m.demo?.kind !== 'officer')) continue;
    ids.push([m.user.username, m.user.id]);
    for (const c of h.guild.characters.filter((x) => x.player === player && x.inGuild)) chars.push([m.user.username, `${c.name}-${c.realm.name.replace(/[\s']/g, '')}`, c.className, c.activeSpec, '', c.isMain ? 'Main' : 'Alt']);
  }
  return { discordIdsCsv: csv(ids), charactersCsv: csv(chars) };
}

it("the demo's first report carries the findings its data was built to show", async () => {
  await h.rosterSync();
  await h.reconcile();
  const sheet = await importSheet(knex, h.guildId, { ...fullSheet(), dryRun: false, by: 'test' });
  expect(sheet.problems).toEqual([]);
  await h.reconcile();
  await h.auditDone();

  const guildRoles = new Set(h.server.rankRoleIds);
  const members = [...h.server.members.values()];
  const held = (m: (typeof members)[number]) => m.roles.filter((r) => guildRoles.has(r));
  const expected = new Set<string>();
  for (const m of members) {
    const d = m.demo!;
    if (d.kind === 'former-guild-member' && held(m).length > 0) expected.add(`discord_without_character @${m.user.username}`);
    if ((d.kind === 'player' || d.kind === 'officer') && d.gameRank !== undefined) expected.add(`${held(m).length === 0 ? 'member_without_role' : 'rank_role_mismatch'} @${m.user.username}`);
  }
  const onDiscord = new Set(members.map((m) => m.demo?.player).filter(Boolean));
  const now = Date.now();
  for (const c of h.guild.characters.filter((x) => x.inGuild)) {
    // A player not on Discord is not in the sheet: with no notes, each of their characters stands alone.
    if (!onDiscord.has(c.player)) expected.add(`character_without_discord ${c.name}-${c.realm.slug}`);
    else if (c.isMain && now - c.lastLoginAt > 30 * 86_400_000) expected.add(`stale_character ${c.name}-${c.realm.slug}`);
  }

  const told = await knex('audit_issues').where({ guild_id: h.guildId }).whereNotNull('notified_at').whereNull('resolved_at').select('rule', 'subject');
  const found = new Set(
    told.map((i) => `${i.rule} ${['discord_without_character', 'member_without_role', 'rank_role_mismatch'].includes(i.rule) ? i.subject.discord : i.subject.character}`),
  );
  // Every kind is there, and nothing else: the rules raise what the data holds, and only that.
  // (Stale characters of players not on Discord stand alone too; they are left out of the comparison.)
  expect([...found].filter((f) => !f.startsWith('stale_character') || expected.has(f)).sort()).toEqual([...expected].sort());
  expect(new Set([...expected].map((e) => e.split(' ')[0]))).toEqual(new Set(['discord_without_character', 'member_without_role', 'rank_role_mismatch', 'character_without_discord', 'stale_character']));
  // And the report that told them is in the channel, whole.
  const reports = await knex('audit_reports').where({ guild_id: h.guildId, status: 'posted' }).select('messages');
  expect(h.discordStandin.messages(h.server.auditChannelId)).toHaveLength(reports.reduce((n, r) => n + r.messages.length, 0));
});
