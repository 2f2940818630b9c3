import type { Knex } from 'knex';
import { listPersons } from '../db/operations/identity/identityQueries';
import { importSheet } from '../db/operations/identity/importSheet';
import { confirmLink, rejectLink } from '../db/operations/identity/officerDecisions';
import { demoSheet } from '../scripts/demoSheet';
import { testKnex } from './db';
import { startDemoHarness, type DemoHarness } from './demoHarness';

/**
 * The identity engine as the demo runs it: the demo guild synced from the Blizzard stand-in, its
 * Discord server reconciled from the Discord stand-in, each workflow ending with the identity step,
 * and the officers' sheet imported; then officers decide suggestions and the next syncs keep them.
 */
let knex: Knex;
let h: DemoHarness;
let guildId: number;

beforeAll(async () => {
  knex = testKnex();
  h = await startDemoHarness(knex, { audit: { post: false } });
  guildId = h.guildId;
});
afterAll(async () => {
  await h.close();
  await knex.destroy();
});

const rosterSync = () => h.rosterSync();
const reconcile = () => h.reconcile();
const allPersons = async () => (await listPersons(knex, guildId, { page: 1, pageSize: 200 })).persons;
const described = (l: { character: { name: string } | null; discordMember: { username: string } | null }) => l.character?.name ?? `@${l.discordMember!.username}`;

describe('identity, end to end', () => {
  it('ends every sync with the identity step, and the sheet makes the five officers persons with alts and Discord accounts', async () => {
    const synced = await rosterSync();
    expect(synced.identity).toMatchObject({ status: 'succeeded', personsCreated: expect.any(Number) });
    const reconciled = await reconcile();
    expect(reconciled.identity).toMatchObject({ status: 'succeeded' });
    // Discord nicknames that are mains' names are suggestions until officers (or their sheet) say so.
    expect((reconciled.identity as { suggested: number }).suggested).toBeGreaterThan(0);

    const report = await importSheet(knex, guildId, { ...demoSheet(h.guild, h.server), dryRun: false, by: 'Mike' });
    expect(report.players).toBe(5);
    expect(report.problems.map((p) => `${p.sheet} ${p.row}`)).toEqual(expect.arrayContaining(['DiscordIDs 7', 'DiscordIDs 8']));

    const persons = await allPersons();
    const officer = (name: string) => persons.find((p) => p.displayName === name)!;
    const confirmed = (name: string) => officer(name).links.filter((l) => l.status === 'confirmed').map(described).sort();
    expect(confirmed('Trog')).toEqual(['@trog', 'Pattbank', 'Pattvault', 'Trogmoon', 'Trogtotem']);
    expect(confirmed('Mito')).toEqual(['@mito', 'Bloodvalor']);
    expect(confirmed('Rocket')).toEqual(['@rocket', 'Zatanna', 'Zatañña']);
    expect(confirmed('Shodoom')).toEqual(['@shodoom', 'Shodoom']);
    expect(confirmed('Skate')).toEqual(['@skate', 'Skatefarm']);
    expect(officer('Trog').main?.name).toBe('Trogmoon');
    for (const name of ['Trog', 'Mito', 'Rocket', 'Shodoom', 'Skate']) {
      for (const l of officer(name).links.filter((x) => x.status === 'confirmed')) {
        expect(l).toMatchObject({ source: 'sheet', decidedBy: 'Mike' });
        expect(l.evidence[0]!.text).toMatch(/^(DiscordIDs|Characters) row \d+: /);
      }
    }
  });

  it("keeps officers' confirmations and rejections through the next syncs", async () => {
    const suggestions = (await allPersons()).flatMap((p) => p.links.filter((l) => l.status === 'suggested').map((l) => ({ ...l, personId: p.id })));
    expect(suggestions.length).toBeGreaterThanOrEqual(2);
    const [toConfirm, toReject] = suggestions;
    await confirmLink(knex, guildId, toConfirm!.id, { by: 'Rocket', reason: 'asked them' });
    await rejectLink(knex, guildId, toReject!.id, { by: 'Rocket', reason: 'not the same player' });

    expect((await rosterSync()).identity).toMatchObject({ status: 'succeeded' });
    expect((await reconcile()).identity).toMatchObject({ status: 'succeeded' });

    const links = await knex('identity_links').whereIn('id', [toConfirm!.id, toReject!.id]).orderBy('id').select('id', 'status', 'decided_by');
    expect(links).toEqual(
      [
        { id: toConfirm!.id, status: 'confirmed', decided_by: 'Rocket' },
        { id: toReject!.id, status: 'rejected', decided_by: 'Rocket' },
      ].sort((a, b) => a.id - b.id),
    );
    // The rejected pair is not proposed again under another row.
    const again = await knex('identity_links').where({ person_id: toReject!.personId, discord_member_id: toReject!.discordMember?.id ?? -1, status: 'suggested' });
    expect(again).toEqual([]);
  });
});
