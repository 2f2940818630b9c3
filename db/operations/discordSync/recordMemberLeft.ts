import type { Knex } from 'knex';
import { memberDeparted } from '../../../core/discord/memberChanges';
import { MEMBER_COLUMNS, eventRows, lockGuildMembers, toStoredMember, type DbDiscordMemberRow } from './memberRows';

export interface DepartedUser {
  userId: string;
  username: string;
  globalName: string | null;
  isBot: boolean;
}

export type MemberLeftOutcome = 'departed' | 'already_departed' | 'stale';

/**
 * A live leave: the member's row is marked departed (never deleted) and a leave event keeps the
 * roles they held. A leave from someone never seen (joined and left while we were not looking)
 * still gets a row, so the history is whole. Replaying the same leave changes nothing.
 */
export async function recordMemberLeft(
  knex: Knex,
  input: { guildId: number; user: DepartedUser; observedAt: Date; source: 'gateway' | 'reconcile'; syncRunId?: number | null },
): Promise<{ outcome: MemberLeftOutcome; rowsWritten: number }> {
  return knex.transaction(async (trx) => {
    await lockGuildMembers(trx, input.guildId);
    const row: DbDiscordMemberRow | undefined = await trx('discord_members')
      .where({ guild_id: input.guildId, discord_user_id: input.user.userId })
      .first(MEMBER_COLUMNS);
    const change = memberDeparted(row ? toStoredMember(row) : null, input.observedAt);
    if (change.kind === 'stale') return { outcome: 'stale', rowsWritten: 0 };
    if (change.kind === 'unchanged') return { outcome: 'already_departed', rowsWritten: 0 };

    const departed = { departed_at: input.observedAt, role_ids: [], state_observed_at: input.observedAt };
    let memberId: number;
    if (row) {
      await trx('discord_members').where({ id: row.id }).update({ ...departed, updated_at: trx.fn.now() });
      memberId = row.id;
    } else {
      const [created] = await trx('discord_members')
        .insert({
          guild_id: input.guildId,
          discord_user_id: input.user.userId,
          username: input.user.username,
          global_name: input.user.globalName,
          is_bot: input.user.isBot,
          ...departed,
        })
        .returning('id');
      memberId = created.id;
    }
    const events = eventRows(input.guildId, memberId, change.events, {
      source: input.source,
      syncRunId: input.syncRunId ?? null,
      occurredAt: input.observedAt,
    });
    await trx('discord_member_events').insert(events);
    return { outcome: 'departed', rowsWritten: 1 + events.length };
  });
}
