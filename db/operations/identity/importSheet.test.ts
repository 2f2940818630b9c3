import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { SheetFormatError } from '../../../core/identity/sheet';
import { freshGuild, testKnex } from '../../../test/db';
import { importSheet } from './importSheet';
import { linkByOfficer } from './officerDecisions';
import { runIdentity } from './runIdentity';

/** The fixture sheet (see core/identity/sheet.test.ts for its bad rows) against a roster and server in PostgreSQL. */
const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sheet');
const sheet = {
  discordIdsCsv: fs.readFileSync(path.join(FIXTURES, 'DiscordIDs.csv'), 'utf8'),
  charactersCsv: fs.readFileSync(path.join(FIXTURES, 'Characters.csv'), 'utf8'),
};
const ROSTER: [string, string, string | null][] = [
  ['Trogmoon', 'senjin', "Sen'jin"], ['Trogtotem', 'senjin', null], ['Pattbank', 'senjin', null], ['Pattvault', 'senjin', null],
  ['Bloodvalor', 'alterac-mountains', 'Alterac Mountains'], ['Zatañña', 'sargeras', 'Sargeras'], ['Zatanna', 'senjin', null],
  ['Shodoom', 'bleeding-hollow', 'Bleeding Hollow'], ['Skatefarm', 'tichondrius', 'Tichondrius'], ['Skatealt', 'tichondrius', null],
  ['Xiaolong', 'senjin', null], ['Brewbeard', 'senjin', null], ['Felbreaker', 'alterac-mountains', null], ['Felbreaker', 'sargeras', null],
  ['Leftguychar', 'senjin', null], ['Trogalt', 'senjin', null], ['Kazgor', 'sargeras', null], ['Doublefly', 'senjin', null],
  ['Grimlock', 'senjin', null], ['Skatebank', 'senjin', null], ['Skatemage', 'senjin', null], ['Dìcoz', 'senjin', null],
];
const SERVER: [string, string][] = [
  ['trog', '174662930015682560'], ['mito', '203418895517319168'], ['rocket', '289311457802403840'], ['shodoom', '311067413040742400'],
  ['skate', '158422093613531136'], ['xiaolong', '402197651920846848'], ['brewbeard', '418852297404596224'],
];

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

let nextBlizzardId = 1;
async function sheetGuild() {
  const g = await freshGuild(knex, 'sheet');
  await knex('wow_characters').insert(ROSTER.map(([name, realm_slug, realm_name]) => ({ guild_id: g.id, blizzard_character_id: 800_000_000 + process.pid * 1000 + nextBlizzardId++, name, realm_slug, realm_name })));
  await knex('discord_members').insert(SERVER.map(([username, discord_user_id]) => ({ guild_id: g.id, discord_user_id, username })));
  return g.id;
}
const rowsOf = async (guildId: number) => ({
  persons: Number((await knex('persons').where({ guild_id: guildId }).count<{ n: string }[]>('* as n'))[0]!.n),
  links: await knex('identity_links').where({ guild_id: guildId }).orderBy('id').select('person_id', 'wow_character_id', 'discord_member_id', 'status', 'source', 'decided_by'),
});

describe('importSheet', () => {
  it('dry run: reports what would change and every unusable row, and changes nothing', async () => {
    const guildId = await sheetGuild();
    await runIdentity(knex, guildId);
    const before = await rowsOf(guildId);
    const report = await importSheet(knex, guildId, { ...sheet, dryRun: true, by: 'Mike' });
    // Automation had grouped what the notes say and linked the accounts it was sure of: mains' persons
    // are reused and their links confirmed, the rest join them; Trogtotem, claimed by two rows, twice.
    expect(report).toMatchObject({ dryRun: true, players: 7, personsCreated: 0, linksCreated: 10, linksConfirmed: 11, conflicts: [] });
    expect(report.problems.map((p) => `${p.sheet} ${p.row}`)).toEqual([
      'DiscordIDs 9', 'DiscordIDs 10', 'DiscordIDs 11', 'DiscordIDs 12', 'DiscordIDs 15', 'DiscordIDs 16',
      'Characters 14', 'Characters 15', 'Characters 16', 'Characters 17', 'Characters 18', 'Characters 19', 'Characters 20', 'Characters 21', 'Characters 22', 'Characters 23', 'Characters 25', 'Characters 26', 'Characters 27',
    ]);
    expect(report.problems.find((p) => p.row === 9)!.reason).toMatch(/Doublefly\/Tickelly#7263.*two/);
    expect(await rowsOf(guildId)).toEqual(before);
  });

  it('imports persons and confirmed sheet links, idempotently; automation never undoes them', async () => {
    const guildId = await sheetGuild();
    const first = await importSheet(knex, guildId, { ...sheet, dryRun: false, by: 'Mike' });
    expect(first).toMatchObject({ players: 7, personsCreated: 7, linksCreated: 21, linksUnchanged: 0 });
    const trog = await knex('persons as p').join('wow_characters as c', 'c.id', 'p.main_character_id').where({ 'p.guild_id': guildId, 'p.display_name': 'Trog' }).first('p.id', 'c.name as main', 'p.named_by');
    expect(trog).toMatchObject({ main: 'Trogmoon', named_by: 'Mike' });
    const trogLinks = await knex('identity_links as l')
      .leftJoin('wow_characters as c', 'c.id', 'l.wow_character_id')
      .leftJoin('discord_members as m', 'm.id', 'l.discord_member_id')
      .where({ 'l.person_id': trog.id })
      .orderBy('l.id')
      .select(knex.raw('coalesce(c.name, m.username) as who'), 'l.status', 'l.source', 'l.evidence', 'l.flag');
    // Row 21 also gives Trogtotem to Shodoom: neither row wins, both wait for officers, flagged.
    expect(trogLinks.map((l) => [l.who, l.status, l.source])).toEqual([
      ['trog', 'confirmed', 'sheet'], ['Trogmoon', 'confirmed', 'sheet'], ['Trogtotem', 'suggested', 'sheet'], ['Pattbank', 'confirmed', 'sheet'], ['Pattvault', 'confirmed', 'sheet'], ['Trogalt', 'confirmed', 'sheet'],
    ]);
    const twice = await knex('identity_links as l').join('wow_characters as c', 'c.id', 'l.wow_character_id').where({ 'l.guild_id': guildId, 'c.name': 'Trogtotem' }).whereNot('l.status', 'rejected').select('l.status', 'l.flag');
    expect(twice).toHaveLength(2);
    for (const l of twice) expect(l).toMatchObject({ status: 'suggested', flag: { kind: 'claimed_twice', reason: expect.stringMatching(/The sheet gives Trogtotem-senjin to 2 players/) } });
    expect(trogLinks[1].evidence[0].text).toBe('Characters row 2: Trog plays Trogmoon-senjin (main), Druid Balance DPS');

    const after = await rowsOf(guildId);
    const again = await importSheet(knex, guildId, { ...sheet, dryRun: false, by: 'Mike' });
    expect(again).toMatchObject({ personsCreated: 0, personsUpdated: 0, linksCreated: 0, linksConfirmed: 0, linksUnchanged: 21 });
    await runIdentity(knex, guildId);
    expect(await rowsOf(guildId)).toEqual(after);
  });

  it("reports a row officers already decided otherwise as a conflict, and keeps the officers' link", async () => {
    const guildId = await sheetGuild();
    const zatanna = await knex('wow_characters').where({ guild_id: guildId, name: 'Zatanna' }).first('id');
    const brew = await knex('discord_members').where({ guild_id: guildId, username: 'brewbeard' }).first('id');
    const officer = await linkByOfficer(knex, guildId, { characterId: zatanna.id, discordMemberId: brew.id, by: 'Rocket', reason: 'that priest is Brewbeard’s' });
    const report = await importSheet(knex, guildId, { ...sheet, dryRun: false, by: 'Mike' });
    expect(report.conflicts).toEqual([{ sheet: 'Characters', row: 8, reason: expect.stringMatching(/character Zatanna-senjin was not linked to Rocket: .*already linked to person #\d+ .* by Rocket/) }]);
    expect(await knex('identity_links').where({ wow_character_id: zatanna.id, status: 'confirmed' }).first('person_id')).toEqual({ person_id: officer.personId });
  });

  it('refuses a file that is not the sheet, naming the missing column, and changes nothing', async () => {
    const guildId = await sheetGuild();
    await expect(importSheet(knex, guildId, { discordIdsCsv: 'Name,Something\nTrog,1', charactersCsv: sheet.charactersCsv, dryRun: false, by: 'Mike' })).rejects.toThrow(SheetFormatError);
    expect((await rowsOf(guildId)).persons).toBe(0);
  });
});
