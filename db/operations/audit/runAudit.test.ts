import type { Knex } from 'knex';
import { DEFAULT_AUDIT_SETTINGS } from '../../../core/audit/rules';
import { freshGuild, testKnex } from '../../../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../../../test/identityGuild';
import { reportContents, reportMessages } from './auditReports';
import { runAudit } from './runAudit';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

const ROLES = ['GM', 'Officer', 'Veteran', 'Member', 'Initiate'];

/**
 * The identity test guild, with its Discord roles (trog GM, mito Officer, kazzy Member) and the
 * persons the identity engine leaves there, written by hand so this test follows the audit, not
 * the matcher: Mike (Trogmoon, Trogtotem, @trog), Mito (Bloodvalor, @mito), Pattvault and Kazgor
 * alone, and @kazzy suggested for Kazgor (display name "Kazgor").
 * seedIdentityGuild gives rank = index % 5: Trogmoon 0, Trogtotem 1, Pattvault 2, Bloodvalor 3, Kazgor 4.
 */
async function auditGuild({ suggestKazzy = true } = {}) {
  const g = await freshGuild(knex, 'audit');
  const seeded = await seedIdentityGuild(knex, g.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
  await knex('discord_roles').insert(ROLES.map((name, rank) => ({ guild_id: g.id, discord_role_id: `90000000000000000${rank}`, name, guild_rank: rank })));
  const role = (rank: number) => `90000000000000000${rank}`;
  await knex('discord_members').where({ id: seeded.member.trog }).update({ role_ids: [role(0)] });
  await knex('discord_members').where({ id: seeded.member.mito }).update({ role_ids: [role(1)] });
  await knex('discord_members').where({ id: seeded.member.kazzy }).update({ role_ids: [role(3)] });
  const { char, member } = seeded;
  const person = async (name: string, main: number, chars: number[], account?: number) => {
    const [p] = await knex('persons').insert({ guild_id: g.id, display_name: name, main_character_id: main }).returning('id');
    const links = [...chars.map((c) => ({ wow_character_id: c })), ...(account ? [{ discord_member_id: account }] : [])];
    await knex('identity_links').insert(links.map((l) => ({ guild_id: g.id, person_id: p.id, status: 'confirmed', source: 'notes', confidence: 1, ...l })));
    return p.id as number;
  };
  await person('Mike', char.Trogmoon!, [char.Trogmoon!, char.Trogtotem!], member.trog);
  await person('Mito', char.Bloodvalor!, [char.Bloodvalor!], member.mito);
  await person('Pattvault', char.Pattvault!, [char.Pattvault!]);
  const kazgor = await person('Kazgor', char.Kazgor!, [char.Kazgor!]);
  const suggestion = async () => {
    const evidence = [{ rule: 'display_name_in_note', source: 'discord_profile', weight: 0.4, text: 'the display name "Kazgor" of kazzy is the character\'s name', fuzzy: false }];
    const [l] = await knex('identity_links').insert({ guild_id: g.id, person_id: kazgor, discord_member_id: member.kazzy, status: 'suggested', source: 'matcher', confidence: 0.4, evidence: JSON.stringify(evidence) }).returning('id');
    return l.id as number;
  };
  const suggestionId = suggestKazzy ? await suggestion() : null;
  return { ...seeded, role, suggestion, suggestionId };
}

const issues = (guildId: number) => knex('audit_issues').where({ guild_id: guildId }).orderBy('fingerprint').select('rule', 'summary', 'resolved_at', 'resolution', 'notified_at', 'first_seen_at', 'last_seen_at');
const minutes = (t: Date, n: number) => new Date(t.getTime() + n * 60_000);

describe('runAudit on PostgreSQL', () => {
  it('opens findings, sees them again without change, resolves one that clears, and reopens it when it comes back', async () => {
    const g = await auditGuild();
    const t1 = new Date(Date.now() + 1000);
    const first = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, t1);
    const found = await issues(g.guildId);
    // @kazzy and Kazgor, paired by a suggestion, are one finding (not "an account with no character"
    // and "a character with no account").
    expect(found.map((i) => i.rule).sort()).toEqual(['character_without_discord', 'rank_role_mismatch', 'same_player_suggested']);
    expect(found.find((i) => i.rule === 'rank_role_mismatch')!.summary).toBe("Bloodvalor-alterac-mountains is Member in the guild; @mito's highest guild role is Officer");
    expect(found.find((i) => i.rule === 'same_player_suggested')!.summary).toBe('@kazzy (Member) and Kazgor-senjin look like the same player: the display name "Kazgor" of kazzy is the character\'s name');
    expect(first).toMatchObject({ opened: 3, resolved: 0, stillOpen: 3, toReport: 3 });

    const second = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, minutes(t1, 1));
    expect(second).toMatchObject({ opened: 0, reopened: 0, resolved: 0, stillOpen: 3 });

    // Officers fix mito's role: resolved, and why. Then someone gives it back: new again.
    await knex('discord_members').where({ id: g.member.mito }).update({ role_ids: [g.role(3)] });
    const fixed = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, minutes(t1, 2));
    expect(fixed).toMatchObject({ resolved: 1, stillOpen: 2 });
    expect((await issues(g.guildId)).find((i) => i.rule === 'rank_role_mismatch')).toMatchObject({ resolution: 'fixed' });
    await knex('audit_issues').where({ guild_id: g.guildId }).update({ notified_at: new Date() });
    await knex('discord_members').where({ id: g.member.mito }).update({ role_ids: [g.role(1)] });
    const back = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, minutes(t1, 3));
    expect(back).toMatchObject({ opened: 0, reopened: 1, stillOpen: 3, toReport: 1 });
    const mismatch = (await issues(g.guildId)).find((i) => i.rule === 'rank_role_mismatch')!;
    expect(mismatch).toMatchObject({ resolved_at: null, resolution: null, notified_at: null, first_seen_at: minutes(t1, 3) });
  });

  it('stores why each finding was resolved, tells it on the resolved line, and never tells a merged finding as resolved', async () => {
    const g = await auditGuild({ suggestKazzy: false });
    const t1 = new Date(Date.now() + 1000);
    const told = () => knex('audit_issues').where({ guild_id: g.guildId }).whereNull('resolved_at').update({ notified_at: new Date() });
    await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, t1);
    expect((await issues(g.guildId)).map((i) => i.rule).sort()).toEqual(['character_without_discord', 'character_without_discord', 'discord_without_character', 'rank_role_mismatch']);
    await told();

    // The matcher suggests @kazzy for Kazgor: the two findings become one story.
    const suggestionId = await g.suggestion();
    expect(await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, minutes(t1, 1))).toMatchObject({ opened: 1, resolved: 2 });
    const merged = (await issues(g.guildId)).filter((i) => i.resolution === 'merged');
    expect(merged.map((i) => i.rule).sort()).toEqual(['character_without_discord', 'discord_without_character']);
    expect((await reportContents(knex, g.guildId)).resolved).toEqual([]);
    await told();

    // Officers confirm the suggestion and fix mito's role; Pattvault leaves the guild.
    await knex('identity_links').where({ id: suggestionId }).update({ status: 'confirmed' });
    await knex('discord_members').where({ id: g.member.mito }).update({ role_ids: [g.role(3)] });
    await knex('wow_characters').where({ id: g.char.Pattvault }).update({ in_guild: false, left_guild_at: minutes(t1, -3 * 24 * 60) });
    const run = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, minutes(t1, 2));
    // Kazgor is Initiate in game and @kazzy holds Member: now that they are linked, that is the news.
    expect(run).toMatchObject({ opened: 1, resolved: 3 });
    const contents = await reportContents(knex, g.guildId);
    expect(contents.findings.map((f) => f.rule)).toEqual(['rank_role_mismatch']);
    expect(contents.resolved.map((r) => [r.rule, r.reason]).sort()).toEqual([
      ['character_without_discord', 'left'],
      ['rank_role_mismatch', 'fixed'],
      ['same_player_suggested', 'linked'],
    ]);
    const lines = reportMessages('PATT', minutes(t1, 2), false, contents).flatMap((m) => m.embeds.filter((e) => e.title?.startsWith('Resolved')).flatMap((e) => e.description!.split('\n')));
    expect(lines).toEqual([
      "✓ Bloodvalor-alterac-mountains is Member in the guild; @mito's highest guild role is Officer — fixed",
      '✓ @kazzy (Member) and Kazgor-senjin look like the same player: the display name "Kazgor" of kazzy is the character\'s name — now linked',
      '✓ Pattvault-senjin has no Discord account linked — left',
    ]);
  });

  it('reads a flag stored before flags had a kind as notes contradicting a decided link', async () => {
    const g = await auditGuild();
    const link = await knex('identity_links').where({ wow_character_id: g.char.Trogtotem }).first('id');
    await knex('identity_links').where({ id: link.id }).update({ flag: JSON.stringify({ reason: "The notes say Trogtotem's main is Bloodvalor-alterac-mountains, who belongs to another person." }) });
    await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, new Date(Date.now() + 1000));
    const flagged = await knex('audit_issues').where({ guild_id: g.guildId, rule: 'link_contradicted' }).select('fingerprint', 'severity', 'action');
    expect(flagged).toEqual([{ fingerprint: `link_contradicted:link:${link.id}`, severity: 'warning', action: 'Fix the note, or move the link and remove the old one' }]);
  });
});
