import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../../../test/db';
import type { ProfileResult } from '../../../core/roster/types';
import { beginSyncRun, STALE_RUN_AFTER_MS } from '../syncRuns/beginSyncRun';
import { applyMemberOutcome } from './applyMemberOutcome';
import { finishRosterRun, RosterSafetyError } from './finishRosterRun';
import { pendingMembers } from './pendingMembers';
import { stageRoster, type StageableMember } from './stageRoster';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

const member = (id: number, name: string, rank = 3, realmSlug = 'senjin'): StageableMember => ({ blizzardCharacterId: id, name, realmSlug, rank, level: 80 });
const profile = (spec: string): ProfileResult => ({ kind: 'profile', profile: { activeSpec: spec, level: 80 }, lastModified: `lm-${spec}` });

let runCounter = 0;
async function runRoster(guildId: number, members: StageableMember[], profileFor: (m: StageableMember) => ProfileResult) {
  const begun = await beginSyncRun(knex, { guildId, kind: 'blizzard_roster', workflowId: 'wf', temporalRunId: `run-${guildId}-${runCounter++}` });
  if (!begun.started) throw new Error('not started');
  await stageRoster(knex, { syncRunId: begun.syncRunId, guildId }, { name: 'Pull All The Things' }, members);
  for (const p of await pendingMembers(knex, begun.syncRunId, 0, members.length)) {
    await applyMemberOutcome(knex, p, profileFor(members.find((m) => m.blizzardCharacterId === p.blizzard_character_id)!));
  }
  return { syncRunId: begun.syncRunId, counts: await finishRosterRun(knex, begun.syncRunId) };
}

describe('a roster run in the database', () => {
  it('counts everyone as new the first time and nothing as changed the second time', async () => {
    const g = await freshGuild(knex);
    const roster = [member(1, 'Trogmoon', 0), member(2, 'Zatañña', 1, 'sargeras'), member(3, 'Pattbank')];
    const first = await runRoster(g.id, roster, (m) => profile(`spec-${m.name}`));
    expect(first.counts).toMatchObject({ fetched: 3, new: 3, changed: 0, unchanged: 0, gone: 0, events: { join: 3 } });
    const second = await runRoster(g.id, roster, () => ({ kind: 'not_modified' }));
    expect(second.counts).toMatchObject({ fetched: 3, new: 0, changed: 0, unchanged: 3, gone: 0, fullProfileFetches: 0, events: { join: 0 } });
    expect(await knex('wow_characters').where({ guild_id: g.id }).count('* as n')).toEqual([{ n: 3 }]);
  });

  it('follows a rename by Blizzard id and keeps the old name in the history', async () => {
    const g = await freshGuild(knex);
    await runRoster(g.id, [member(10, 'Skatefarm', 1, 'tichondrius')], () => profile('a'));
    const { counts } = await runRoster(g.id, [member(10, 'Skatefärm', 1, 'senjin')], () => ({ kind: 'not_modified' }));
    expect(counts).toMatchObject({ changed: 1, new: 0, events: { rename: 1 } });
    const rows = await knex('wow_characters').where({ guild_id: g.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Skatefärm', realm_slug: 'senjin', active_spec: 'a' });
    const names = await knex('wow_character_names').where({ wow_character_id: rows[0].id }).orderBy('id').select('name', 'realm_slug');
    expect(names).toEqual([{ name: 'Skatefarm', realm_slug: 'tichondrius' }, { name: 'Skatefärm', realm_slug: 'senjin' }]);
  });

  it('marks a member missing from the roster as gone with a leave event, without deleting them', async () => {
    const g = await freshGuild(knex);
    await runRoster(g.id, [member(20, 'Stays'), member(21, 'Leaves', 2)], () => profile('x'));
    const { counts, syncRunId } = await runRoster(g.id, [member(20, 'Stays')], () => ({ kind: 'not_modified' }));
    expect(counts).toMatchObject({ fetched: 1, gone: 1, events: { leave: 1 } });
    const leaver = await knex('wow_characters').where({ guild_id: g.id, blizzard_character_id: 21 }).first();
    expect(leaver).toMatchObject({ in_guild: false, rank: 2, active_spec: 'x' });
    expect(leaver.left_guild_at).not.toBeNull();
    expect(await knex('roster_events').where({ sync_run_id: syncRunId }).select('kind')).toEqual([{ kind: 'leave' }]);
  });

  it('marks a 404 profile unavailable, never gone, and keeps what was known', async () => {
    const g = await freshGuild(knex);
    await runRoster(g.id, [member(30, 'Private')], () => profile('Holy'));
    const { counts } = await runRoster(g.id, [member(30, 'Private')], () => ({ kind: 'not_found', reason: 'profile 404' }));
    expect(counts).toMatchObject({ unavailable: 1, gone: 0, events: { leave: 0 } });
    expect(await knex('wow_characters').where({ guild_id: g.id }).first()).toMatchObject({
      in_guild: true,
      profile_status: 'unavailable',
      unavailable_reason: 'profile 404',
      active_spec: 'Holy',
    });
  });

  it('applies a member once however often the step is retried', async () => {
    const g = await freshGuild(knex);
    const begun = await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf', temporalRunId: `retry-${g.id}` });
    if (!begun.started) throw new Error('not started');
    await stageRoster(knex, { syncRunId: begun.syncRunId, guildId: g.id }, {}, [member(40, 'Once')]);
    const [p] = await pendingMembers(knex, begun.syncRunId, 0, 1);
    expect(await applyMemberOutcome(knex, p!, profile('a'))).toBe('new');
    expect(await applyMemberOutcome(knex, p!, profile('b'))).toBe('new');
    expect(await pendingMembers(knex, begun.syncRunId, 0, 1)).toEqual([]);
    expect(await knex('roster_events').where({ guild_id: g.id }).count('* as n')).toEqual([{ n: 1 }]);
    expect((await knex('wow_characters').where({ guild_id: g.id }).first()).active_spec).toBe('a');
    const counts = await finishRosterRun(knex, begun.syncRunId);
    expect(await finishRosterRun(knex, begun.syncRunId)).toEqual(counts);
  });

  it('keeps the first staged roster once members have been processed', async () => {
    const g = await freshGuild(knex);
    const begun = await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf', temporalRunId: `stage-${g.id}` });
    if (!begun.started) throw new Error('not started');
    const run = { syncRunId: begun.syncRunId, guildId: g.id };
    expect(await stageRoster(knex, run, {}, [member(50, 'A'), member(50, 'A'), member(51, 'B')])).toEqual({ staged: 2 });
    const [p] = await pendingMembers(knex, begun.syncRunId, 0, 1);
    await applyMemberOutcome(knex, p!, profile('a'));
    expect(await stageRoster(knex, run, {}, [member(52, 'C')])).toEqual({ staged: 2 });
  });

  it('refuses an empty roster for a guild that has members, and marks nobody as left', async () => {
    const g = await freshGuild(knex);
    await runRoster(g.id, [member(60, 'Here')], () => profile('a'));
    await expect(runRoster(g.id, [], () => profile('a'))).rejects.toThrow(RosterSafetyError);
    expect((await knex('wow_characters').where({ guild_id: g.id }).first()).in_guild).toBe(true);
  });
});

describe('beginSyncRun', () => {
  it('lets only one run of a kind go at a time, and gives a retry its own row back', async () => {
    const g = await freshGuild(knex);
    const a = await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf-a', temporalRunId: `a-${g.id}` });
    const b = await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf-b', temporalRunId: `b-${g.id}` });
    expect(a.started).toBe(true);
    expect(b).toMatchObject({ started: false, runningWorkflowId: 'wf-a' });
    expect(await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf-a', temporalRunId: `a-${g.id}` })).toEqual(a);
  });

  it('lets two openers race and still start exactly one run', async () => {
    const g = await freshGuild(knex);
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: `wf-${i}`, temporalRunId: `race-${g.id}-${i}` })),
    );
    expect(results.filter((r) => r.started)).toHaveLength(1);
  });

  it('takes over from a run that has shown no sign of life for too long', async () => {
    const g = await freshGuild(knex);
    const old = await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf-old', temporalRunId: `old-${g.id}` });
    const later = new Date(Date.now() + STALE_RUN_AFTER_MS + 1000);
    const fresh = await beginSyncRun(knex, { guildId: g.id, kind: 'blizzard_roster', workflowId: 'wf-new', temporalRunId: `new-${g.id}` }, later);
    expect(fresh.started).toBe(true);
    if (!old.started) throw new Error('not started');
    expect(await knex('sync_runs').where({ id: old.syncRunId }).first()).toMatchObject({ status: 'abandoned' });
  });
});
