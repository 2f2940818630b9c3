import request from 'supertest';
import type { Knex } from 'knex';
import { runIdentity } from '../../db/operations/identity/runIdentity';
import { testApi } from '../../test/apiApp';
import { testKnex } from '../../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../../test/identityGuild';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

const ROLES = ['GM', 'Officer', 'Veteran', 'Member', 'Initiate'];

/** The identity test guild with Discord roles: mito's Officer role disagrees with Bloodvalor's Member rank; kazzy holds Member with no character. */
async function auditApi(env: NodeJS.ProcessEnv = {}) {
  const api = await testApi(knex, { label: 'audit-api', env });
  const g = await seedIdentityGuild(knex, api.guild.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
  await knex('discord_roles').insert(ROLES.map((name, rank) => ({ guild_id: api.guild.id, discord_role_id: `91000000000000000${rank}`, name, guild_rank: rank })));
  await knex('discord_members').where({ id: g.member.trog }).update({ role_ids: ['910000000000000000'] });
  await knex('discord_members').where({ id: g.member.mito }).update({ role_ids: ['910000000000000001'] });
  await knex('discord_members').where({ id: g.member.kazzy }).update({ role_ids: ['910000000000000003'] });
  await runIdentity(knex, api.guild.id);
  return { ...api, ...g, reader: await api.mintKey(['read']), trigger: await api.mintKey(['read', 'sync:trigger']) };
}

describe('POST /api/guild-sync/report/trigger', () => {
  it('dry run: answers with the messages the report would post, and tells no one', async () => {
    const api = await auditApi();
    const res = await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.trigger}`).send({ dryRun: true });
    expect(res.status).toBe(200);
    // kazzy and Kazgor-senjin, paired by a suggestion, are one story: one finding, not two.
    expect(res.body).toMatchObject({ dryRun: true, findings: 3, resolved: 0 });
    expect(res.body.messages[0].embeds[0].title).toMatch(/^First full guild audit: /);
    const fields = res.body.messages.flatMap((m: any) => m.embeds.flatMap((e: any) => e.fields ?? []));
    expect(fields.map((f: any) => f.value)).toEqual(expect.arrayContaining([expect.stringMatching(/@mito's highest guild role is Officer\n→ Give @mito the Member role/)]));
    expect(api.audit.triggers).toEqual([]);
    expect(await knex('audit_issues').where({ guild_id: api.guildId }).whereNotNull('notified_at')).toEqual([]);
    expect(await knex('audit_reports').where({ guild_id: api.guildId })).toEqual([]);
  });

  it('starts the audit now on Temporal, and says when no channel is set to post to', async () => {
    const api = await auditApi({ PATT_AUDIT_CHANNEL_ID: '' });
    const res = await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.trigger}`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ workflowId: 'audit-us-senjin-test', posting: false, note: expect.stringMatching(/PATT_AUDIT_CHANNEL_ID is not set/) });
    expect(api.audit.triggers).toEqual([api.guildId]);
    expect((await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.reader}`)).status).toBe(403);
  });
});

describe('GET /api/identity/mismatches', () => {
  it('lists open findings, most urgent first, with who, what and what to do; filters by rule', async () => {
    const api = await auditApi();
    await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.trigger}`).send({ dryRun: true });
    const res = await request(api.server).get('/api/identity/mismatches').set('Authorization', `Bearer ${api.reader}`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.counts).toEqual({ rank_role_mismatch: 1, same_player_suggested: 1, character_without_discord: 1 });
    expect(res.body.items.map((i: any) => i.severity)).toEqual(['action', 'action', 'warning']);
    const mismatch = (await request(api.server).get('/api/identity/mismatches?rule=rank_role_mismatch').set('Authorization', `Bearer ${api.reader}`)).body.items;
    expect(mismatch).toEqual([
      expect.objectContaining({
        title: 'Rank and Discord role disagree',
        subject: { person: 'Mito', character: 'Bloodvalor-alterac-mountains', discord: '@mito' },
        action: 'Give @mito the Member role and remove Officer, or fix the rank in game',
        notifiedAt: null,
      }),
    ]);
    expect((await request(api.server).get('/api/identity/mismatches?rule=nope').set('Authorization', `Bearer ${api.reader}`)).status).toBe(400);
  });
});
