import request from 'supertest';
import type { Knex } from 'knex';
import { runIdentity } from '../../db/operations/identity/runIdentity';
import { testApi, type TestApi } from '../../test/apiApp';
import { testKnex } from '../../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../../test/identityGuild';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

async function officersApi() {
  const api = await testApi(knex, { label: 'identity-api' });
  const g = await seedIdentityGuild(knex, api.guild.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
  await runIdentity(knex, api.guild.id);
  const reader = await api.mintKey(['read'], 'Guild website');
  const officer = await api.mintKey(['read', 'identity:write'], 'Mike');
  return { ...api, ...g, reader, officer };
}

const get = (api: TestApi, path: string, key: string) => request(api.server).get(path).set('Authorization', `Bearer ${key}`);
const send = (api: TestApi, method: 'post' | 'delete', path: string, key: string, body?: object) =>
  request(api.server)[method](path).set('Authorization', `Bearer ${key}`).send(body);

describe('GET /api/identity/*', () => {
  it('lists persons with every link, its source, evidence, confidence and status, page by page', async () => {
    const api = await officersApi();
    const res = await get(api, '/api/identity/persons?pageSize=2', api.reader);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, pageSize: 2, total: 4 });
    expect(res.body.items.map((p: { displayName: string }) => p.displayName)).toEqual(['Kazgor', 'Mike']);
    const mike = res.body.items[1];
    expect(mike.main).toMatchObject({ name: 'Trogmoon', realmSlug: 'senjin' });
    expect(mike.links.map((l: any) => ({ who: l.character?.name ?? l.discordMember.username, status: l.status, source: l.source, confidence: l.confidence }))).toEqual([
      { who: 'Trogmoon', status: 'confirmed', source: 'roster', confidence: 1 },
      { who: 'Trogtotem', status: 'confirmed', source: 'notes', confidence: 0.9 },
      { who: 'trog', status: 'confirmed', source: 'matcher', confidence: 1 },
    ]);
    expect(mike.links[1].evidence[0].text).toBe('public note "Alt of Trogmoon" names the main Trogmoon-senjin');
    const next = await get(api, '/api/identity/persons?page=2&pageSize=2', api.reader);
    expect(next.body.items.map((p: { displayName: string }) => p.displayName)).toEqual(['Mito', 'Pattvault']);

    const waiting = await get(api, '/api/identity/persons?needs=suggestion', api.reader);
    expect(waiting.body.items.map((p: { displayName: string }) => p.displayName)).toEqual(['Kazgor']);
    expect(waiting.body.items[0].links[1]).toMatchObject({ status: 'suggested', discordMember: { username: 'kazzy' }, evidence: [{ rule: 'name_without_accents' }] });
  });

  it('lists orphans on both sides, and refuses a bad page with a message', async () => {
    const api = await officersApi();
    const wow = await get(api, '/api/identity/orphans/wow', api.reader);
    expect(wow.body.items.map((o: any) => [o.character.name, o.reason, o.suggestions])).toEqual([
      ['Pattvault', 'no_discord_account', 0],
      ['Kazgor', 'no_discord_account', 1],
    ]);
    const discord = await get(api, '/api/identity/orphans/discord', api.reader);
    expect(discord.body.items.map((o: any) => o.discordMember.username)).toEqual(['kazzy', 'visitor']);
    const bad = await get(api, '/api/identity/orphans/wow?pageSize=5000', api.reader);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/pageSize/);
  });

  it('sums up identity in the guild status: persons, suggestions waiting, orphans', async () => {
    const api = await officersApi();
    const res = await get(api, '/api/guild-sync/status', api.reader);
    expect(res.body.identity).toEqual({ persons: 4, confirmed: 7, suggested: 1, rejected: 0, flagged: 0, wowOrphans: 2, discordOrphans: 2 });
  });

  it('needs a key with read', async () => {
    const api = await officersApi();
    expect((await request(api.server).get('/api/identity/persons')).status).toBe(401);
  });
});

describe('officer decisions through the API', () => {
  it("confirms a suggestion and keeps it, and an officer's rejection survives re-syncs", async () => {
    const api = await officersApi();
    const suggestion = await knex('identity_links').where({ guild_id: api.guildId, discord_member_id: api.member.kazzy }).first('id');

    const rejected = await send(api, 'delete', `/api/identity/link/${suggestion.id}`, api.officer, { reason: 'kazzy is a friend of Kazgor, not Kazgor' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ changed: true, person: { displayName: 'Kazgor' } });
    expect(rejected.body.person.links.find((l: any) => l.id === suggestion.id)).toMatchObject({ status: 'rejected', decidedBy: 'Mike', reason: 'kazzy is a friend of Kazgor, not Kazgor' });

    // The next syncs end with the identity step: the pair is not suggested again.
    await runIdentity(knex, api.guildId);
    await runIdentity(knex, api.guildId);
    const after = await get(api, '/api/identity/persons?search=Kazgor', api.reader);
    expect(after.body.items[0].links.filter((l: any) => l.discordMember).map((l: any) => [l.id, l.status])).toEqual([[suggestion.id, 'rejected']]);
    expect((await send(api, 'delete', `/api/identity/link/${suggestion.id}?reason=again`, api.officer)).body.changed).toBe(false);

    // An officer links them after all: the rejection is overruled by name, with who and why.
    const linked = await send(api, 'post', '/api/identity/link', api.officer, { characterId: api.char.Kazgor, discordMemberId: api.member.kazzy, by: 'Rocket', reason: 'asked in guild chat' });
    expect(linked.status).toBe(200);
    expect(linked.body.person.links.filter((l: any) => l.status === 'confirmed').map((l: any) => [l.character?.name ?? l.discordMember.username, l.decidedBy])).toEqual([
      ['Kazgor', 'Rocket'],
      ['kazzy', 'Rocket'],
    ]);
    await runIdentity(knex, api.guildId);
    const events = await knex('identity_link_events').where({ guild_id: api.guildId, discord_member_id: api.member.kazzy }).orderBy('id').select('kind', 'actor', 'reason');
    expect(events).toEqual([
      { kind: 'created', actor: 'automation', reason: null },
      { kind: 'rejected', actor: 'Mike', reason: 'kazzy is a friend of Kazgor, not Kazgor' },
      { kind: 'confirmed', actor: 'Rocket', reason: 'asked in guild chat' },
    ]);
  });

  it("confirms a whole player in one decision: a main suggested into an officer's person brings its alts", async () => {
    const api = await officersApi();
    const kaz = await send(api, 'post', '/api/identity/link', api.officer, { discordMemberId: api.member.kazzy, reason: 'kazzy is a player of ours' });
    const person = kaz.body.personId;
    await send(api, 'post', '/api/identity/link', api.officer, { personId: person, characterId: api.char.Pattvault, reason: 'his bank' });
    // A new main with two alts whose officer note names kazzy: suggested into kazzy's person, whole.
    const [main, alt1, alt2] = await knex('wow_characters')
      .insert([
        { guild_id: api.guildId, blizzard_character_id: 880_000_001, name: 'Kazmain', realm_slug: 'senjin', rank: 3, officer_note: 'Discord: kazzy', in_guild: true },
        { guild_id: api.guildId, blizzard_character_id: 880_000_002, name: 'Kazalt', realm_slug: 'senjin', rank: 4, guild_note: 'alt of Kazmain', in_guild: true },
        { guild_id: api.guildId, blizzard_character_id: 880_000_003, name: 'Kazbank', realm_slug: 'senjin', rank: 4, guild_note: "Kazmain's alt", in_guild: true },
      ])
      .returning('id');
    await runIdentity(knex, api.guildId);
    const waiting = await knex('identity_links').where({ guild_id: api.guildId, person_id: person, status: 'suggested' }).whereNotNull('wow_character_id').orderBy('wow_character_id').select('id', 'wow_character_id');
    expect(waiting.map((l) => l.wow_character_id)).toEqual([main.id, alt1.id, alt2.id]);

    const res = await send(api, 'post', '/api/identity/confirm', api.officer, { linkId: waiting[1].id, reason: 'his characters' });
    expect(res.status).toBe(200);
    expect(res.body.linkIds).toHaveLength(3);
    await runIdentity(knex, api.guildId);
    const now = await knex('identity_links').where({ guild_id: api.guildId, status: 'confirmed' }).whereIn('wow_character_id', [main.id, alt1.id, alt2.id]).select('person_id', 'decided_by');
    expect(now).toEqual([0, 1, 2].map(() => ({ person_id: person, decided_by: 'Mike' })));

    // One link alone, when asked.
    const single = await send(api, 'post', '/api/identity/confirm', api.officer, { linkId: waiting[0].id, wholePlayer: false });
    expect(single.body).toMatchObject({ linkIds: [waiting[0].id], changed: false });
  });

  it('settles a sheet row the notes dispute: confirming it makes it the officer\'s decision, and it stays', async () => {
    const api = await officersApi();
    const csv = (rows: string[]) => rows.join('\n');
    // The sheet gives Trogtotem to Mito, but its note says it is Trogmoon's alt: a flagged suggestion.
    const sheet = {
      discordIdsCsv: csv(['Discord Name,Discord ID', `Mito,${await knex('discord_members').where({ id: api.member.mito }).first('discord_user_id').then((r) => r.discord_user_id)}`]),
      charactersCsv: csv(['Discord Name,Character,Class,Spec,Role,Main/Alt', 'Mito,Bloodvalor-AlteracMountains,,,,Main', 'Mito,Trogtotem,,,,Alt']),
    };
    const imported = await send(api, 'post', '/api/identity/import-sheet', api.officer, sheet);
    expect(imported.status).toBe(200);
    const row = await knex('identity_links').where({ guild_id: api.guildId, wow_character_id: api.char.Trogtotem, source: 'sheet' }).first('id', 'status', 'flag');
    expect(row).toMatchObject({ status: 'suggested', flag: { kind: 'sources_disagree' } });
    expect(await knex('identity_links').where({ wow_character_id: api.char.Trogmoon, status: 'confirmed' }).first('person_id')).not.toEqual(
      await knex('identity_links').where({ discord_member_id: api.member.mito, status: 'confirmed' }).first('person_id'),
    );

    const res = await send(api, 'post', '/api/identity/confirm', api.officer, { linkId: row.id, reason: 'Mito plays it, the note is old' });
    expect(res.status).toBe(200);
    await runIdentity(knex, api.guildId);
    expect(await knex('identity_links').where({ id: row.id }).first('status', 'source', 'flag', 'decided_by')).toEqual({ status: 'confirmed', source: 'officer', flag: null, decided_by: 'Mike' });
  });

  it('answers unknown ids with 404 and contradicting links with 409 naming the link', async () => {
    const api = await officersApi();
    const missing = await send(api, 'post', '/api/identity/confirm', api.officer, { linkId: 987654321 });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'IDENTITY_NOT_FOUND', message: expect.stringMatching(/Link 987654321 is not in this guild/) });
    expect((await send(api, 'delete', '/api/identity/link/987654321', api.officer)).status).toBe(404);
    expect((await send(api, 'post', '/api/identity/link', api.officer, { characterId: 987654321, reason: 'typo' })).status).toBe(404);

    const mito = await knex('identity_links').where({ guild_id: api.guildId, discord_member_id: api.member.mito }).first('id', 'person_id');
    await send(api, 'post', '/api/identity/confirm', api.officer, { linkId: mito.id });
    const mike = await knex('identity_links').where({ guild_id: api.guildId, wow_character_id: api.char.Trogmoon, status: 'confirmed' }).first('person_id');
    const clash = await send(api, 'post', '/api/identity/link', api.officer, { personId: mike.person_id, discordMemberId: api.member.mito, reason: 'wrong click' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('IDENTITY_CONFLICT');
    expect(clash.body.error.message).toContain(`Discord account mito is already linked to person #${mito.person_id} (Mito) by Mike (link ${mito.id})`);
    expect(clash.body.error.details).toMatchObject({ conflictingLinkId: mito.id });
  });

  it('refuses bad bodies with every problem and changes nothing; needs identity:write', async () => {
    const api = await officersApi();
    const before = await knex('identity_links').where({ guild_id: api.guildId }).count('* as n');
    const bad = await send(api, 'post', '/api/identity/link', api.officer, { personId: 1, characterId: 2, discordMemberId: 3 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: any) => i.path.join('.') || i.message)).toEqual(expect.arrayContaining(['reason']));
    expect((await send(api, 'post', '/api/identity/link', api.officer, { characterId: api.char.Kazgor, reason: 'ok', extra: 1 })).status).toBe(400);
    expect((await send(api, 'delete', '/api/identity/link/abc', api.officer)).status).toBe(400);
    expect((await send(api, 'post', '/api/identity/confirm', api.reader, { linkId: 1 })).status).toBe(403);
    expect(await knex('identity_links').where({ guild_id: api.guildId }).count('* as n')).toEqual(before);
  });

  it('merges and splits persons through the API', async () => {
    const api = await officersApi();
    const personOf = async (c: number) => (await knex('identity_links').where({ wow_character_id: c, status: 'confirmed' }).first('person_id')).person_id;
    const merged = await send(api, 'post', '/api/identity/persons/merge', api.officer, { fromPersonId: await personOf(api.char.Pattvault), intoPersonId: await personOf(api.char.Trogmoon), reason: 'my bank' });
    expect(merged.status).toBe(200);
    expect(merged.body.person.links.filter((l: any) => l.character).map((l: any) => l.character.name).sort()).toEqual(['Pattvault', 'Trogmoon', 'Trogtotem']);
    const link = merged.body.person.links.find((l: any) => l.character?.name === 'Pattvault');
    const split = await send(api, 'post', '/api/identity/persons/split', api.officer, { personId: merged.body.personId, linkIds: [link.id], reason: 'guild bank after all' });
    expect(split.status).toBe(200);
    expect(split.body.person.links.map((l: any) => l.character?.name)).toEqual(['Pattvault']);
  });
});

describe('POST /api/identity/import-sheet', () => {
  const FIXTURES = require('node:path').join(__dirname, '..', '..', 'test', 'fixtures', 'sheet');
  const read = (f: string) => require('node:fs').readFileSync(require('node:path').join(FIXTURES, f), 'utf8') as string;

  it('dry-runs the sheet, then imports it; the same sheet again changes nothing', async () => {
    const api = await officersApi();
    await knex('discord_members').where({ guild_id: api.guildId, username: 'trog' }).update({ discord_user_id: '174662930015682560' });
    const body = { discordIdsCsv: read('DiscordIDs.csv'), charactersCsv: read('Characters.csv') };
    const dry = await send(api, 'post', '/api/identity/import-sheet', api.officer, { ...body, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, players: 1, linksConfirmed: 3 });
    expect(dry.body.problems.find((p: any) => p.sheet === 'DiscordIDs' && p.row === 10).reason).toMatch(/None/);
    expect(await knex('identity_links').where({ guild_id: api.guildId, source: 'sheet' })).toEqual([]);

    const real = await send(api, 'post', '/api/identity/import-sheet', api.officer, body);
    expect(real.body).toMatchObject({ dryRun: false, players: 1 });
    const again = await send(api, 'post', '/api/identity/import-sheet', api.officer, body);
    expect(again.body).toMatchObject({ linksCreated: 0, linksConfirmed: 0, personsCreated: 0 });
    const mike = await get(api, '/api/identity/persons?search=Trogmoon', api.reader);
    expect(mike.body.items[0]).toMatchObject({ displayName: 'Trog', namedBy: 'Mike' });
    expect(mike.body.items[0].links.find((l: any) => l.character?.name === 'Trogmoon')).toMatchObject({ source: 'sheet', decidedBy: 'Mike', evidence: [{ rule: 'sheet_row' }, { rule: 'own_main' }] });
  });

  it('refuses a file that is not the sheet, naming the column it misses', async () => {
    const api = await officersApi();
    const res = await send(api, 'post', '/api/identity/import-sheet', api.officer, { discordIdsCsv: 'Who,What\nTrog,1', charactersCsv: read('Characters.csv') });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SHEET_FORMAT');
    expect(res.body.error.message).toMatch(/DiscordIDs/);
  });
});
