import type { Knex } from 'knex';
import { guildRankForRole } from '../../../core/discord/guildRanks';
import type { DiscordRoleSnapshot } from '../../../core/discord/types';

export interface RolesWritten {
  seen: number;
  new: number;
  changed: number;
  deleted: number;
  rowsWritten: number;
}

/**
 * The server's roles as Discord lists them now: new and changed roles are written, roles gone from
 * the server are marked deleted (members' histories still name them). Unchanged roles are not
 * touched, so a pass with nothing new writes nothing. @everyone is left out: everyone has it.
 */
export async function upsertDiscordRoles(
  knex: Knex,
  input: { guildId: number; discordGuildId: string; roles: DiscordRoleSnapshot[]; now?: Date },
): Promise<RolesWritten> {
  const now = input.now ?? new Date();
  const roles = input.roles.filter((r) => r.roleId !== input.discordGuildId);
  const counts: RolesWritten = { seen: roles.length, new: 0, changed: 0, deleted: 0, rowsWritten: 0 };

  return knex.transaction(async (trx) => {
    const existing: { id: number; discord_role_id: string; name: string; position: number | null; color: number | null; managed: boolean; guild_rank: number | null; deleted_at: Date | null }[] =
      await trx('discord_roles').where({ guild_id: input.guildId }).forUpdate().select('id', 'discord_role_id', 'name', 'position', 'color', 'managed', 'guild_rank', 'deleted_at');
    const byId = new Map(existing.map((r) => [r.discord_role_id, r]));

    for (const role of roles) {
      const wanted = { name: role.name, position: role.position, color: role.color, managed: role.managed, guild_rank: guildRankForRole(role.name), deleted_at: null };
      const row = byId.get(role.roleId);
      if (!row) {
        await trx('discord_roles').insert({ guild_id: input.guildId, discord_role_id: role.roleId, ...wanted });
        counts.new += 1;
      } else if (
        row.name !== wanted.name ||
        row.position !== wanted.position ||
        row.color !== wanted.color ||
        row.managed !== wanted.managed ||
        row.guild_rank !== wanted.guild_rank ||
        row.deleted_at !== null
      ) {
        await trx('discord_roles').where({ id: row.id }).update({ ...wanted, updated_at: now });
        counts.changed += 1;
      }
    }
    const current = new Set(roles.map((r) => r.roleId));
    const gone = existing.filter((r) => r.deleted_at === null && !current.has(r.discord_role_id)).map((r) => r.id);
    if (gone.length > 0) {
      await trx('discord_roles').whereIn('id', gone).update({ deleted_at: now, updated_at: now });
      counts.deleted = gone.length;
    }
    counts.rowsWritten = counts.new + counts.changed + counts.deleted;
    return counts;
  });
}
