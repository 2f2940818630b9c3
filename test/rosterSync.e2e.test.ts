import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { Knex } from 'knex';
import { removeFromGuild, renameCharacter, setRank } from '../standins/blizzard';
import { rosterSyncProgressQuery, type RosterSyncProgress } from '../workflows/shared';
import { guildIdOf, startHarness, type Harness } from './blizzardHarness';
import { testKnex } from './db';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

describe('the roster sync, run after run, on real Temporal and PostgreSQL', () => {
  let h: Harness;
  let guildId: number;
  beforeAll(async () => {
    h = await startHarness(knex, { size: 40 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('brings in the whole roster with profiles on the first run', async () => {
    const result = await h.sync();
    const size = h.standin.guild.characters.length;
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ fetched: size, new: size, changed: 0, unchanged: 0, unavailable: 0, gone: 0, fullProfileFetches: size });
    guildId = await guildIdOf(knex, h);
    expect(await knex('wow_characters').where({ guild_id: guildId, in_guild: true }).count('* as n')).toEqual([{ n: size }]);
    const zatanna = await knex('wow_characters').where({ guild_id: guildId, name: 'Zatañña' }).first();
    const source = h.standin.guild.characters.find((c) => c.name === 'Zatañña')!;
    expect(zatanna).toMatchObject({ realm_slug: 'sargeras', rank: 1, class_name: source.className, active_spec: source.activeSpec, profile_status: 'ok' });
    expect(await knex('sync_runs').where({ id: result.syncRunId }).first()).toMatchObject({ status: 'succeeded', kind: 'blizzard_roster' });
  });

  it('changes nothing on a second run and fetches no full profile again', async () => {
    h.standin.resetStats();
    const before = await knex('wow_characters').where({ guild_id: guildId }).orderBy('id');
    const result = await h.sync();
    const size = h.standin.guild.characters.length;
    expect(result.counts).toMatchObject({ fetched: size, new: 0, changed: 0, unchanged: size, gone: 0, fullProfileFetches: 0 });
    expect(h.standin.stats().notModified).toBe(size);
    const after = await knex('wow_characters').where({ guild_id: guildId }).orderBy('id');
    expect(after.map((r) => ({ ...r, roster_seen_at: null, updated_at: null }))).toEqual(before.map((r) => ({ ...r, roster_seen_at: null, updated_at: null })));
  });

  it('follows a renamed character by its Blizzard id, and records rank changes', async () => {
    const [a, b] = h.standin.guild.characters.filter((c) => c.rank >= 2);
    const oldName = a!.name;
    renameCharacter(h.standin.guild, a!.id, 'Renamedone');
    setRank(h.standin.guild, b!.id, 2 + ((b!.rank - 1) % 3));
    const result = await h.sync();
    expect(result.counts).toMatchObject({ new: 0, changed: 2, events: { rename: 1, rank_change: 1, join: 0 } });
    const renamed = await knex('wow_characters').where({ guild_id: guildId, blizzard_character_id: a!.id });
    expect(renamed).toHaveLength(1);
    expect(renamed[0].name).toBe('Renamedone');
    const history = await knex('wow_character_names').where({ wow_character_id: renamed[0].id }).pluck('name');
    expect(history.sort()).toEqual([oldName, 'Renamedone'].sort());
  });

  it('marks a character whose profile answers 404 as unavailable, still in the guild', async () => {
    const victim = h.standin.guild.characters.find((c) => c.rank === 3)!;
    h.standin.setFaults({ notFound: [`${victim.name.toLowerCase()}-${victim.realm.slug}`] });
    const result = await h.sync();
    h.standin.setFaults({ notFound: [] });
    expect(result.counts).toMatchObject({ unavailable: 1, gone: 0, events: { leave: 0 } });
    const row = await knex('wow_characters').where({ guild_id: guildId, blizzard_character_id: victim.id }).first();
    expect(row).toMatchObject({ in_guild: true, profile_status: 'unavailable' });
    expect(row.unavailable_reason).toMatch(/404/);
  });

  it('keeps a member missing from one roster, marked as gone with a leave event', async () => {
    const leaver = h.standin.guild.characters.find((c) => c.rank === 4 || c.rank === 3)!;
    removeFromGuild(h.standin.guild, leaver.id);
    const result = await h.sync();
    expect(result.counts).toMatchObject({ gone: 1, events: { leave: 1 } });
    const row = await knex('wow_characters').where({ guild_id: guildId, blizzard_character_id: leaver.id }).first();
    expect(row).toMatchObject({ in_guild: false, name: leaver.name });
  });

  it('answers a progress query while it runs', async () => {
    h.standin.setFaults({ latencyMs: 150, latencyJitterMs: 0 });
    const handle = await h.workers.client.workflow.start('guildRosterSync', {
      workflowId: `test-progress-${randomUUID()}`,
      taskQueue: h.workers.taskQueues.main,
      args: [{ ...h.input, profileBatchSize: 5 }],
    });
    const seen: RosterSyncProgress[] = [];
    for (let i = 0; i < 200; i++) {
      const p = await handle.query(rosterSyncProgressQuery);
      seen.push(p);
      if (p.phase === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle.result();
    h.standin.setFaults({ latencyMs: 0 });
    const midway = seen.find((p) => p.phase === 'fetching_profiles' && p.membersProcessed > 0 && p.membersProcessed < p.membersTotal);
    expect(midway).toBeDefined();
    expect(midway!.batchesTotal).toBe(Math.ceil(midway!.membersTotal / 5));
  });
});

describe('the roster sync under Blizzard faults', () => {
  it.each([
    ['random 429s with Retry-After', { rateLimitRate: 0.08 }],
    ['random 5xx answers', { serverErrorRate: 0.08 }],
    // Each token dies after 50 requests: more than are ever queued at once, fewer than a run needs.
    ['a token that expires mid-run', { expireTokensAfterRequests: 50 }],
  ])('finishes with exact counts despite %s', async (_label, faults) => {
    const h = await startHarness(knex, { size: 60, faults });
    try {
      const result = await h.sync();
      const size = h.standin.guild.characters.length;
      expect(result.counts).toMatchObject({ fetched: size, new: size, unavailable: 0 });
      const guildId = await guildIdOf(knex, h);
      expect(await knex('wow_characters').where({ guild_id: guildId }).count('* as n')).toEqual([{ n: size }]);
      expect(await knex('roster_events').where({ guild_id: guildId, kind: 'join' }).count('* as n')).toEqual([{ n: size }]);
      const stats = h.standin.stats();
      if ('rateLimitRate' in faults) expect(stats.status429).toBeGreaterThan(0);
      if ('serverErrorRate' in faults) expect(stats.serverErrors).toBeGreaterThan(0);
      if ('expireTokensAfterRequests' in faults) expect(h.blizzard.stats().tokenFetches).toBeGreaterThan(1);
    } finally {
      await h.close();
    }
  });

  it('fails at once with a message naming the guild variables when the guild slug is wrong', async () => {
    const h = await startHarness(knex, { size: 5 });
    try {
      h.input.guild.nameSlug = 'pull-all-the-thongs';
      const err = await h.sync().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const run = await knex('sync_runs').join('guilds', 'guilds.id', 'sync_runs.guild_id').where('guilds.name_slug', 'pull-all-the-thongs').orderBy('sync_runs.id', 'desc').first('sync_runs.status', 'sync_runs.error');
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/PATT_GUILD_REALM_SLUG and PATT_GUILD_NAME_SLUG/);
      expect(h.standin.stats().byEndpoint.roster).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('fails at once with a message naming the credentials when Blizzard refuses them, and records it', async () => {
    const h = await startHarness(knex, { size: 5, clientSecret: 'wrong-secret' });
    try {
      const err = await h.sync().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const run = await knex('sync_runs').where({ guild_id: await guildIdOf(knex, h) }).first();
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/BLIZZARD_CLIENT_ID|BLIZZARD_CLIENT_SECRET/);
      expect(h.standin.stats().byEndpoint.token).toBe(1);
    } finally {
      await h.close();
    }
  });
});
