import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../../../test/db';
import { latestSyncRuns } from './latestSyncRuns';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

let seq = 0;
async function run(guildId: number, kind: string, status: string, startedAt: string): Promise<number> {
  const [row] = await knex('sync_runs')
    .insert({
      guild_id: guildId,
      kind,
      workflow_id: `wf-${kind}`,
      temporal_run_id: `latest-${process.pid}-${Date.now()}-${seq++}`,
      status,
      started_at: startedAt,
      finished_at: status === 'running' ? null : startedAt,
    })
    .returning('id');
  return row.id as number;
}

describe('latestSyncRuns', () => {
  it('returns per kind the newest finished run and the newest succeeded one', async () => {
    const g = await freshGuild(knex, 'latest');
    await run(g.id, 'blizzard_roster', 'succeeded', '2026-11-01T00:00:00Z');
    const ok = await run(g.id, 'blizzard_roster', 'succeeded', '2026-11-02T00:00:00Z');
    const abandoned = await run(g.id, 'blizzard_roster', 'abandoned', '2026-11-03T00:00:00Z');
    await run(g.id, 'blizzard_roster', 'skipped', '2026-11-04T00:00:00Z');
    await run(g.id, 'blizzard_roster', 'running', '2026-11-05T00:00:00Z');
    const audit = await run(g.id, 'audit', 'succeeded', '2026-11-01T00:00:00Z');

    const result = await latestSyncRuns(knex, g.id);
    expect(result.map((r) => [r.kind, r.latestFinished?.id, r.latestSucceeded?.id])).toEqual([
      ['audit', audit, audit],
      ['blizzard_roster', abandoned, ok],
    ]);
    expect(result[1]!.latestFinished!.started_at).toBeInstanceOf(Date);
  });

  it('lists a kind that has only a running or skipped run, with nothing finished', async () => {
    const g = await freshGuild(knex, 'onlyrunning');
    await run(g.id, 'discord_reconcile', 'running', '2026-11-05T00:00:00Z');
    await run(g.id, 'discord_reconcile', 'skipped', '2026-11-04T00:00:00Z');
    expect(await latestSyncRuns(knex, g.id)).toEqual([{ kind: 'discord_reconcile', latestFinished: null, latestSucceeded: null }]);
  });

  it("does not see other guilds' runs", async () => {
    const mine = await freshGuild(knex, 'mine');
    const theirs = await freshGuild(knex, 'theirs');
    await run(theirs.id, 'blizzard_roster', 'succeeded', '2026-11-05T00:00:00Z');
    expect(await latestSyncRuns(knex, mine.id)).toEqual([]);
  });
});
