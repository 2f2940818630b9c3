import type { Knex } from 'knex';
import type { RosterSyncCounts } from '../../../workflows/shared';

export class RosterSafetyError extends Error {
  override name = 'RosterSafetyError';
}

/** How many days of staged rosters to keep for looking back at a run. */
const KEEP_STAGED_ROSTERS_DAYS = 7;

/**
 * Closes a roster run: characters in the guild that this roster no longer lists get a leave event
 * and in_guild = false (their rows, links and history stay), then the counts are taken from what the
 * run committed, so they are exact however often a step was retried. Idempotent.
 */
export async function finishRosterRun(knex: Knex, syncRunId: number, now = new Date()): Promise<RosterSyncCounts> {
  return knex.transaction(async (trx) => {
    const run = await trx('sync_runs').where({ id: syncRunId }).forUpdate().first('id', 'guild_id', 'status', 'counts');
    if (!run) throw new Error(`Sync run ${syncRunId} not found`);
    if (run.status === 'succeeded') return run.counts as RosterSyncCounts;

    const [{ staged, pending }] = await trx('sync_run_roster_members')
      .where({ sync_run_id: syncRunId })
      .select(trx.raw('count(*)::int as staged'), trx.raw('count(*) filter (where outcome is null)::int as pending'));
    if (pending > 0) throw new Error(`Sync run ${syncRunId} still has ${pending} members without a profile step; finish them first`);

    const [{ inGuild }] = await trx('wow_characters').where({ guild_id: run.guild_id, in_guild: true }).select(trx.raw('count(*)::int as "inGuild"'));
    if (staged === 0 && inGuild > 0) {
      // An empty roster for a guild with members is an API hiccup, not the whole guild leaving.
      throw new RosterSafetyError(
        `The roster came back empty while ${inGuild} characters are in the guild; nobody was marked as left. ` +
          'Check the guild slug and realm, then run the sync again.',
      );
    }

    const leavers: { id: number; name: string; realm_slug: string; rank: number | null }[] = await trx('wow_characters as c')
      .where({ 'c.guild_id': run.guild_id, 'c.in_guild': true })
      .whereNotExists(function onRoster() {
        this.select(1)
          .from('sync_run_roster_members as m')
          .where('m.sync_run_id', syncRunId)
          .whereRaw('m.blizzard_character_id = c.blizzard_character_id');
      })
      .select('c.id', 'c.name', 'c.realm_slug', 'c.rank');
    if (leavers.length > 0) {
      await trx('wow_characters')
        .whereIn('id', leavers.map((l) => l.id))
        .update({ in_guild: false, left_guild_at: now, updated_at: now });
      await trx('roster_events')
        .insert(
          leavers.map((l) => ({
            guild_id: run.guild_id,
            wow_character_id: l.id,
            sync_run_id: syncRunId,
            kind: 'leave',
            details: JSON.stringify({ name: l.name, realmSlug: l.realm_slug, rank: l.rank }),
            occurred_at: now,
          })),
        )
        .onConflict(['sync_run_id', 'wow_character_id', 'kind'])
        .ignore();
    }

    const outcomes: { outcome: string; n: number; full: number }[] = await trx('sync_run_roster_members')
      .where({ sync_run_id: syncRunId })
      .groupBy('outcome')
      .select('outcome', trx.raw('count(*)::int as n'), trx.raw('count(*) filter (where full_fetch)::int as full'));
    const byOutcome = Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]));
    const events: { kind: keyof RosterSyncCounts['events']; n: number }[] = await trx('roster_events')
      .where({ sync_run_id: syncRunId })
      .groupBy('kind')
      .select('kind', trx.raw('count(*)::int as n'));
    const byKind = Object.fromEntries(events.map((e) => [e.kind, e.n]));

    const counts: RosterSyncCounts = {
      fetched: staged,
      new: byOutcome.new ?? 0,
      changed: byOutcome.changed ?? 0,
      unchanged: byOutcome.unchanged ?? 0,
      unavailable: byOutcome.unavailable ?? 0,
      gone: byKind.leave ?? 0,
      fullProfileFetches: outcomes.reduce((sum, o) => sum + o.full, 0),
      events: { join: byKind.join ?? 0, leave: byKind.leave ?? 0, rank_change: byKind.rank_change ?? 0, rename: byKind.rename ?? 0 },
    };
    await trx('sync_runs')
      .where({ id: syncRunId })
      .update({ status: 'succeeded', counts: JSON.stringify(counts), finished_at: now, heartbeat_at: now, error: null });

    await trx('sync_run_roster_members')
      .whereIn('sync_run_id', function oldRuns() {
        this.select('id').from('sync_runs').where('guild_id', run.guild_id).where('finished_at', '<', new Date(now.getTime() - KEEP_STAGED_ROSTERS_DAYS * 86_400_000));
      })
      .delete();
    return counts;
  });
}
