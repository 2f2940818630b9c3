import type { Knex } from 'knex';
import type { RosterEntry } from '../../../core/roster/types';

export interface StagedGuildInfo {
  blizzardGuildId?: number | null;
  name?: string | null;
  faction?: string | null;
}

export interface StageableMember extends RosterEntry {
  raceId?: number | null;
}

/**
 * Stores the roster one run fetched, in order, so later steps work from PostgreSQL and only ids and
 * counts travel through workflow history. Idempotent: a retry replaces the staged roster as long as
 * no member of it has been processed yet; after that the first roster stands.
 */
export async function stageRoster(
  knex: Knex,
  run: { syncRunId: number; guildId: number },
  guild: StagedGuildInfo,
  members: StageableMember[],
): Promise<{ staged: number }> {
  return knex.transaction(async (trx) => {
    const processed = await trx('sync_run_roster_members')
      .where({ sync_run_id: run.syncRunId })
      .whereNotNull('outcome')
      .first('blizzard_character_id');
    if (processed) {
      const [{ n }] = await trx('sync_run_roster_members').where({ sync_run_id: run.syncRunId }).count<{ n: string }[]>('* as n');
      return { staged: Number(n) };
    }
    await trx('sync_run_roster_members').where({ sync_run_id: run.syncRunId }).delete();

    const seen = new Set<number>();
    const rows = [];
    for (const m of members) {
      if (seen.has(m.blizzardCharacterId)) continue; // a roster listing someone twice is still one character
      seen.add(m.blizzardCharacterId);
      rows.push({
        sync_run_id: run.syncRunId,
        guild_id: run.guildId,
        position: rows.length,
        blizzard_character_id: m.blizzardCharacterId,
        name: m.name,
        realm_slug: m.realmSlug,
        realm_id: m.realmId ?? null,
        level: m.level ?? null,
        class_id: m.classId ?? null,
        race_id: m.raceId ?? null,
        faction: m.faction ?? null,
        rank: m.rank,
      });
    }
    if (rows.length > 0) await trx.batchInsert('sync_run_roster_members', rows, 1000);
    await trx('guilds')
      .where({ id: run.guildId })
      .update({
        ...(guild.name ? { name: guild.name } : {}),
        ...(guild.faction ? { faction: guild.faction } : {}),
        ...(guild.blizzardGuildId ? { blizzard_guild_id: guild.blizzardGuildId } : {}),
        updated_at: trx.fn.now(),
      });
    await trx('sync_runs').where({ id: run.syncRunId }).update({ heartbeat_at: trx.fn.now() });
    return { staged: rows.length };
  });
}
