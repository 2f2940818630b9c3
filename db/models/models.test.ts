import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../../test/db';
import { beginSyncRun } from '../operations/syncRuns/beginSyncRun';
import { applyMemberOutcome } from '../operations/rosterSync/applyMemberOutcome';
import { finishRosterRun } from '../operations/rosterSync/finishRosterRun';
import { pendingMembers } from '../operations/rosterSync/pendingMembers';
import { stageRoster } from '../operations/rosterSync/stageRoster';
import { Guild, SyncRun, WowCharacter } from './index';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

async function syncOnce(guildId: number, name: string, runId: string) {
  const begun = await beginSyncRun(knex, { guildId, kind: 'blizzard_roster', workflowId: 'wf', temporalRunId: runId });
  if (!begun.started) throw new Error('not started');
  await stageRoster(knex, { syncRunId: begun.syncRunId, guildId }, {}, [{ blizzardCharacterId: 77, name, realmSlug: 'sargeras', rank: 1 }]);
  const [m] = await pendingMembers(knex, begun.syncRunId, 0, 1);
  await applyMemberOutcome(knex, m!, { kind: 'not_modified' });
  await finishRosterRun(knex, begun.syncRunId);
  return begun.syncRunId;
}

describe('objection models', () => {
  it('read a character with its guild, name history and roster events through their relations', async () => {
    const g = await freshGuild(knex);
    await syncOnce(g.id, 'Zatañña', `models-a-${g.id}`);
    const second = await syncOnce(g.id, 'Zatanna', `models-b-${g.id}`);

    const character = await WowCharacter.query(knex)
      .modify('inGuild')
      .findOne({ guild_id: g.id, blizzard_character_id: 77 })
      .withGraphFetched('[guild, names(byName), rosterEvents]')
      .modifiers({ byName: (q) => q.orderBy('name') });
    expect(character?.name).toBe('Zatanna');
    expect(character?.guild?.key).toBe(g.key);
    expect(character?.names?.map((n) => n.name)).toEqual(['Zatanna', 'Zatañña']);
    expect(character?.rosterEvents?.map((e) => e.kind).sort()).toEqual(['join', 'rename']);

    const run = await SyncRun.query(knex).findById(second).withGraphFetched('rosterEvents');
    expect(run?.rosterEvents?.map((e) => e.kind)).toEqual(['rename']);
    const guild = await Guild.query(knex).findById(g.id).withGraphFetched('syncRuns');
    expect(guild?.syncRuns).toHaveLength(2);
  });
});
