import type { Knex } from 'knex';
import type { DbSyncRunRosterMemberRow } from '../../rows';

export interface PendingMember extends DbSyncRunRosterMemberRow {
  /** Last-Modified of the stored full profile, to send as If-Modified-Since. */
  profile_last_modified: string | null;
}

/** Staged members in [fromPosition, toPosition) whose profile step has not committed yet. */
export async function pendingMembers(
  knex: Knex,
  syncRunId: number,
  fromPosition: number,
  toPosition: number,
): Promise<PendingMember[]> {
  return knex('sync_run_roster_members as m')
    .leftJoin('wow_characters as c', function joinStored() {
      this.on('c.guild_id', 'm.guild_id').andOn('c.blizzard_character_id', 'm.blizzard_character_id');
    })
    .where('m.sync_run_id', syncRunId)
    .where('m.position', '>=', fromPosition)
    .where('m.position', '<', toPosition)
    .whereNull('m.outcome')
    .orderBy('m.position')
    .select('m.*', 'c.profile_last_modified');
}
