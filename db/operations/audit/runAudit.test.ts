import type { Knex } from 'knex';
import { DEFAULT_AUDIT_SETTINGS } from '../../../core/audit/rules';
import { freshGuild, testKnex } from '../../../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../../../test/identityGuild';
import { runIdentity } from '../identity/runIdentity';
import { runAudit } from './runAudit';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

const ROLES = ['GM', 'Officer', 'Veteran', 'Member', 'Initiate'];

/** The identity test guild, with its Discord roles: trog GM, mito Member (a mismatch: Bloodvalor is rank 3 → fine), kazzy Member. */
async function auditGuild() {
  const g = await freshGuild(knex, 'audit');
  const seeded = await seedIdentityGuild(knex, g.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
  await knex('discord_roles').insert(ROLES.map((name, rank) => ({ guild_id: g.id, discord_role_id: `90000000000000000${rank}`, name, guild_rank: rank })));
  const role = (rank: number) => `90000000000000000${rank}`;
  // seedIdentityGuild gives rank = index % 5: Trogmoon 0, Trogtotem 1, Pattvault 2, Bloodvalor 3, Kazgor 4.
  await knex('discord_members').where({ id: seeded.member.trog }).update({ role_ids: [role(0)] });
  await knex('discord_members').where({ id: seeded.member.mito }).update({ role_ids: [role(1)] });
  await knex('discord_members').where({ id: seeded.member.kazzy }).update({ role_ids: [role(3)] });
  await runIdentity(knex, g.id);
  return { ...seeded, role };
}

const issues = (guildId: number) => knex('audit_issues').where({ guild_id: guildId }).orderBy('fingerprint').select('rule', 'summary', 'resolved_at', 'notified_at', 'first_seen_at', 'last_seen_at');

describe('runAudit on PostgreSQL', () => {
  it('opens findings, sees them again without change, resolves one that clears, and reopens it when it comes back', async () => {
    const g = await auditGuild();
    const t1 = new Date(Date.now() + 1000);
    const first = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, t1);
    const found = await issues(g.guildId);
    expect(found.map((i) => i.rule).sort()).toEqual(['character_without_discord', 'character_without_discord', 'discord_without_character', 'rank_role_mismatch']);
    expect(found.find((i) => i.rule === 'rank_role_mismatch')!.summary).toBe("Bloodvalor-alterac-mountains is Member in the guild; @mito's highest guild role is Officer");
    expect(first).toMatchObject({ opened: 4, resolved: 0, stillOpen: 4, toReport: 4 });

    const second = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, new Date(t1.getTime() + 60_000));
    expect(second).toMatchObject({ opened: 0, reopened: 0, resolved: 0, stillOpen: 4 });

    // Officers fix mito's role: resolved. Then someone gives it back: new again.
    await knex('discord_members').where({ id: g.member.mito }).update({ role_ids: [g.role(3)] });
    const fixed = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, new Date(t1.getTime() + 120_000));
    expect(fixed).toMatchObject({ resolved: 1, stillOpen: 3 });
    await knex('audit_issues').where({ guild_id: g.guildId }).update({ notified_at: new Date() });
    await knex('discord_members').where({ id: g.member.mito }).update({ role_ids: [g.role(1)] });
    const back = await runAudit(knex, g.guildId, DEFAULT_AUDIT_SETTINGS, new Date(t1.getTime() + 180_000));
    expect(back).toMatchObject({ opened: 0, reopened: 1, stillOpen: 4, toReport: 1 });
    const mismatch = (await issues(g.guildId)).find((i) => i.rule === 'rank_role_mismatch')!;
    expect(mismatch).toMatchObject({ resolved_at: null, notified_at: null, first_seen_at: new Date(t1.getTime() + 180_000) });
  });
});
