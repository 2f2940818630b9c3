import type { Knex } from 'knex';
import { lockGuildMembers } from './memberRows';

export class DiscordReconcileSafetyError extends Error {
  override name = 'DiscordReconcileSafetyError';
}

/**
 * After a full pass: members on record as present whom the pass did not see have left the server.
 * Their rows are marked departed with the time (not deleted) and a leave event keeps their roles.
 * A row changed by a live event after the pass began is left to that event (it is newer).
 * An empty member list for a server with members is refused: that is an API hiccup, not everyone leaving.
 */
export async function markMissingMembersDeparted(
  knex: Knex,
  input: { guildId: number; seenUserIds: string[]; passStartedAt: Date; syncRunId: number; now?: Date },
): Promise<{ departed: number; rowsWritten: number }> {
  const now = input.now ?? new Date();
  return knex.transaction(async (trx) => {
    await lockGuildMembers(trx, input.guildId);
    const present = trx('discord_members').where({ guild_id: input.guildId }).whereNull('departed_at');
    if (input.seenUserIds.length === 0) {
      const [{ n }] = await present.clone().count<{ n: string }[]>('* as n');
      if (Number(n) > 0) {
        throw new DiscordReconcileSafetyError(
          `Discord listed no members while ${n} are on record as present; nobody was marked as departed. ` +
            'Check DISCORD_GUILD_ID and that the bot is still on the server, then run the reconcile again.',
        );
      }
      return { departed: 0, rowsWritten: 0 };
    }
    // The seen list travels as one array parameter (10,000 ids is fine for PostgreSQL).
    const { rows } = await trx.raw<{ rows: { id: number; role_ids: string[] }[] }>(
      `WITH gone AS (
         SELECT id, role_ids FROM discord_members
          WHERE guild_id = ? AND departed_at IS NULL
            AND NOT (discord_user_id = ANY(?::text[]))
            AND (state_observed_at IS NULL OR state_observed_at < ?)
          FOR UPDATE
       )
       UPDATE discord_members m
          SET departed_at = ?, role_ids = '{}', state_observed_at = ?, updated_at = now()
         FROM gone WHERE m.id = gone.id
       RETURNING m.id, gone.role_ids`,
      [input.guildId, input.seenUserIds, input.passStartedAt, now, input.passStartedAt],
    );
    if (rows.length > 0) {
      await trx('discord_member_events').insert(
        rows.map((r) => ({
          guild_id: input.guildId,
          discord_member_id: r.id,
          kind: 'leave',
          details: JSON.stringify({ roleIds: r.role_ids }),
          source: 'reconcile',
          sync_run_id: input.syncRunId,
          occurred_at: now,
        })),
      );
    }
    return { departed: rows.length, rowsWritten: rows.length * 2 };
  });
}
