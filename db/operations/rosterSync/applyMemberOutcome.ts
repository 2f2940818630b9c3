import type { Knex } from 'knex';
import { reconcileMember } from '../../../core/roster/reconcileMember';
import type { MemberOutcome, ProfileResult } from '../../../core/roster/types';
import { fromStoredCharacter, toStoredCharacter, type DbSyncRunRosterMemberRow, type DbWowCharacterRow } from '../../rows';

/**
 * Writes what one member's profile step found, all in one transaction: the character (keyed by its
 * Blizzard id), its name history, its roster events and the staged member's outcome. Running it
 * twice for the same run and member changes nothing the second time and returns the first outcome.
 */
export async function applyMemberOutcome(
  knex: Knex,
  member: Pick<DbSyncRunRosterMemberRow, 'sync_run_id' | 'guild_id' | 'blizzard_character_id' | 'name' | 'realm_slug' | 'realm_id' | 'level' | 'class_id' | 'faction' | 'rank'>,
  profile: ProfileResult,
  now = new Date(),
): Promise<MemberOutcome> {
  return knex.transaction(async (trx) => {
    const staged = await trx('sync_run_roster_members')
      .where({ sync_run_id: member.sync_run_id, blizzard_character_id: member.blizzard_character_id })
      .forUpdate()
      .first('outcome');
    if (!staged) {
      throw new Error(`Character ${member.name}-${member.realm_slug} (id ${member.blizzard_character_id}) is not staged in sync run ${member.sync_run_id}`);
    }
    if (staged.outcome) return staged.outcome as MemberOutcome;

    const existing: DbWowCharacterRow | undefined = await trx('wow_characters')
      .where({ guild_id: member.guild_id, blizzard_character_id: member.blizzard_character_id })
      .forUpdate()
      .first();
    const result = reconcileMember(
      existing ? toStoredCharacter(existing) : null,
      {
        blizzardCharacterId: member.blizzard_character_id,
        name: member.name,
        realmSlug: member.realm_slug,
        realmId: member.realm_id,
        level: member.level,
        classId: member.class_id,
        faction: member.faction,
        rank: member.rank,
      },
      profile,
      now,
    );

    const values = {
      ...fromStoredCharacter(result.next),
      roster_seen_at: now,
      ...(profile.kind === 'profile' ? { profile_fetched_at: now } : {}),
      ...(result.events.some((e) => e.kind === 'join') ? { joined_guild_at: now, left_guild_at: null } : {}),
      updated_at: now,
    };
    let characterId: number;
    if (existing) {
      characterId = existing.id;
      await trx('wow_characters').where({ id: existing.id }).update(values);
    } else {
      const [row] = await trx('wow_characters')
        .insert({ guild_id: member.guild_id, blizzard_character_id: member.blizzard_character_id, ...values, created_at: now })
        .returning('id');
      characterId = row.id;
    }

    await trx('wow_character_names')
      .insert({ guild_id: member.guild_id, wow_character_id: characterId, name: member.name, realm_slug: member.realm_slug, first_seen_at: now, last_seen_at: now })
      .onConflict(['wow_character_id', 'name', 'realm_slug'])
      .merge({ last_seen_at: now });

    if (result.events.length > 0) {
      await trx('roster_events')
        .insert(
          result.events.map((e) => ({
            guild_id: member.guild_id,
            wow_character_id: characterId,
            sync_run_id: member.sync_run_id,
            kind: e.kind,
            details: JSON.stringify(e.details),
            occurred_at: now,
          })),
        )
        .onConflict(['sync_run_id', 'wow_character_id', 'kind'])
        .ignore();
    }

    await trx('sync_run_roster_members')
      .where({ sync_run_id: member.sync_run_id, blizzard_character_id: member.blizzard_character_id })
      .update({ outcome: result.outcome, full_fetch: profile.kind === 'profile', processed_at: now });
    return result.outcome;
  });
}
