import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../../../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../../../test/identityGuild';
import { discordOrphans, listPersons, wowOrphans } from './identityQueries';
import { confirmLink, IdentityConflict, IdentityNotFound, linkByOfficer, mergePersons, rejectLink, splitPerson } from './officerDecisions';
import { runIdentity } from './runIdentity';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

const officers = async () => {
  const g = await freshGuild(knex, 'identity');
  return seedIdentityGuild(knex, g.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
};

const personOf = async (guildId: number, characterId: number) =>
  (await knex('identity_links').where({ guild_id: guildId, wow_character_id: characterId, status: 'confirmed' }).first('person_id'))?.person_id as number | undefined;

describe('runIdentity on PostgreSQL', () => {
  it('builds persons with evidence, and a second run changes nothing and writes no history', async () => {
    const g = await officers();
    const first = await runIdentity(knex, g.guildId);
    expect(first).toMatchObject({ personsCreated: 4, confirmed: 7, suggested: 1, flagged: 0 });
    const { persons } = await listPersons(knex, g.guildId, { page: 1, pageSize: 50 });
    const mike = persons.find((p) => p.displayName === 'Mike')!;
    expect(mike.main?.name).toBe('Trogmoon');
    expect(mike.links.map((l) => [l.character?.name ?? l.discordMember?.username, l.status, l.source])).toEqual([
      ['Trogmoon', 'confirmed', 'roster'],
      ['Trogtotem', 'confirmed', 'notes'],
      ['trog', 'confirmed', 'matcher'],
    ]);
    expect(mike.links[2]!.evidence.map((e) => e.text)).toEqual(['officer note "Discord: trog" names the Discord user trog', `trog's server nickname "Trogmoon" is the character's name`]);

    const events = await knex('identity_link_events').where({ guild_id: g.guildId }).count<{ n: string }[]>('* as n');
    const second = await runIdentity(knex, g.guildId);
    expect(second).toMatchObject({ personsCreated: 0, linksCreated: 0, linksChanged: 0, linksWithdrawn: 0 });
    expect(await knex('identity_link_events').where({ guild_id: g.guildId }).count('* as n')).toEqual(events);

    // An officer note naming kazzy turns the suggestion into a link, in place, with the new evidence.
    const suggestion = await knex('identity_links').where({ guild_id: g.guildId, discord_member_id: g.member.kazzy }).first('id', 'status');
    expect(suggestion.status).toBe('suggested');
    await knex('wow_characters').where({ id: g.char.Kazgor }).update({ officer_note: 'Discord: kazzy' });
    expect(await runIdentity(knex, g.guildId)).toMatchObject({ linksChanged: 1, linksCreated: 0, linksWithdrawn: 0 });
    const now = await knex('identity_links').where({ id: suggestion.id }).first('status', 'confidence', 'evidence');
    expect(now).toMatchObject({ status: 'confirmed', confidence: 1 });
    expect(now.evidence.map((e: { rule: string }) => e.rule)).toEqual(['discord_handle_in_note', 'name_without_accents']);
  });

  it("keeps an officer's rejection through re-syncs, and a confirmation even when the evidence goes", async () => {
    const g = await officers();
    await runIdentity(knex, g.guildId);
    const suggestion = await knex('identity_links').where({ guild_id: g.guildId, discord_member_id: g.member.kazzy, status: 'suggested' }).first('id');
    await rejectLink(knex, g.guildId, suggestion.id, { by: 'Mike', reason: 'kazzy is a friend, not Kazgor' });
    await runIdentity(knex, g.guildId);
    await runIdentity(knex, g.guildId);
    expect(await knex('identity_links').where({ guild_id: g.guildId, discord_member_id: g.member.kazzy }).select('id', 'status', 'decided_by')).toEqual([
      { id: suggestion.id, status: 'rejected', decided_by: 'Mike' },
    ]);

    const mito = await knex('identity_links').where({ guild_id: g.guildId, discord_member_id: g.member.mito }).first('id');
    await confirmLink(knex, g.guildId, mito.id, { by: 'Mike', reason: 'known' });
    await knex('wow_characters').where({ id: g.char.Bloodvalor }).update({ officer_note: null });
    await knex('discord_members').where({ id: g.member.mito }).update({ nickname: null });
    await runIdentity(knex, g.guildId);
    expect(await knex('identity_links').where({ id: mito.id }).first('status', 'decided_by')).toEqual({ status: 'confirmed', decided_by: 'Mike' });
  });

  it('answers unknown ids with not-found and a second officer link of a decided target with a conflict naming it', async () => {
    const g = await officers();
    await runIdentity(knex, g.guildId);
    await expect(confirmLink(knex, g.guildId, 99_999_999, { by: 'Mike', reason: 'x' })).rejects.toThrow(IdentityNotFound);
    await expect(linkByOfficer(knex, g.guildId, { personId: 99_999_999, characterId: g.char.Kazgor, by: 'Mike', reason: 'x' })).rejects.toThrow(/Person 99999999 is not in this guild/);
    const kaz = await linkByOfficer(knex, g.guildId, { characterId: g.char.Kazgor, discordMemberId: g.member.kazzy, by: 'Mike', reason: 'asked in guild chat' });
    const mike = (await personOf(g.guildId, g.char.Trogmoon))!;
    const conflict = await linkByOfficer(knex, g.guildId, { personId: mike, discordMemberId: g.member.kazzy, by: 'Mito', reason: 'wrong' }).catch((e) => e);
    expect(conflict).toBeInstanceOf(IdentityConflict);
    expect(conflict.message).toMatch(new RegExp(`Discord account kazzy is already linked to person #${kaz.personId} \\(Kazgor\\) by Mike \\(link ${kaz.linkIds[1]}\\)`));
  });

  it('lists orphans on both sides, bots and departed members aside', async () => {
    const g = await officers();
    await runIdentity(knex, g.guildId);
    const wow = await wowOrphans(knex, g.guildId, { page: 1, pageSize: 10 });
    expect(wow.orphans.map((o) => [o.character.name, o.reason, o.suggestions])).toEqual([
      ['Pattvault', 'no_discord_account', 0],
      ['Kazgor', 'no_discord_account', 1],
    ]);
    const discord = await discordOrphans(knex, g.guildId, { page: 1, pageSize: 10 });
    expect(discord.orphans.map((o) => [o.discordMember.username, o.reason])).toEqual([
      ['kazzy', 'no_person'],
      ['visitor', 'no_person'],
    ]);
  });

  it('merges and splits persons keeping every link and its history, and automation does not undo either', async () => {
    const g = await officers();
    await runIdentity(knex, g.guildId);
    const mike = (await personOf(g.guildId, g.char.Trogmoon))!;
    const vault = (await personOf(g.guildId, g.char.Pattvault))!;
    await mergePersons(knex, g.guildId, vault, mike, { by: 'Mike', reason: 'my bank' });
    await runIdentity(knex, g.guildId);
    expect(await personOf(g.guildId, g.char.Pattvault)).toBe(mike);

    const totem = await knex('identity_links').where({ guild_id: g.guildId, wow_character_id: g.char.Trogtotem, status: 'confirmed' }).first('id');
    const { newPersonId } = await splitPerson(knex, g.guildId, mike, [totem.id], { by: 'Mike', reason: 'sold the account' });
    await runIdentity(knex, g.guildId);
    await runIdentity(knex, g.guildId);
    expect(await personOf(g.guildId, g.char.Trogtotem)).toBe(newPersonId);
    expect(await personOf(g.guildId, g.char.Trogmoon)).toBe(mike);
    const history = await knex('identity_link_events').where({ guild_id: g.guildId, wow_character_id: g.char.Trogtotem }).orderBy('id').select('kind', 'actor');
    expect(history.map((h) => `${h.kind} by ${h.actor}`)).toEqual(['created by automation', 'split by Mike']);
  });
});
