import type { Knex } from 'knex';
import { memberPresent, storedFromSnapshot } from '../../../core/discord/memberChanges';
import type { DiscordMemberEventDraft, DiscordMemberEventKind, DiscordMemberSnapshot } from '../../../core/discord/types';
import {
  MEMBER_COLUMNS,
  eventRows,
  lockGuildMembers,
  memberColumns,
  toStoredMember,
  type DbDiscordMemberRow,
  type MemberEventRow,
} from './memberRows';

export interface MembersWritten {
  seen: number;
  new: number;
  rejoined: number;
  changed: number;
  unchanged: number;
  /** Observations older than the row (a live event got there first). */
  stale: number;
  /** Member rows inserted or updated, plus event rows. */
  rowsWritten: number;
  events: Record<DiscordMemberEventKind, number>;
}

export const noMembersWritten = (): MembersWritten => ({
  seen: 0,
  new: 0,
  rejoined: 0,
  changed: 0,
  unchanged: 0,
  stale: 0,
  rowsWritten: 0,
  events: { join: 0, leave: 0, roles_changed: 0, renamed: 0 },
});

/**
 * Records members seen on the server at `observedAt` (a page of the full pass, or one live event):
 * new rows for newcomers, updates only where something changed, and an event for each change. A
 * second call with the same members writes nothing. One transaction, so a retry starts clean.
 */
export async function recordMembersPresent(
  knex: Knex,
  input: {
    guildId: number;
    members: DiscordMemberSnapshot[];
    observedAt: Date;
    source: 'gateway' | 'reconcile';
    syncRunId?: number | null;
  },
): Promise<MembersWritten> {
  const counts = noMembersWritten();
  counts.seen = input.members.length;
  if (input.members.length === 0) return counts;
  const meta = { source: input.source, syncRunId: input.syncRunId ?? null, occurredAt: input.observedAt };

  return knex.transaction(async (trx) => {
    await lockGuildMembers(trx, input.guildId);
    const existing: DbDiscordMemberRow[] = await trx('discord_members')
      .where({ guild_id: input.guildId })
      .whereIn('discord_user_id', input.members.map((m) => m.userId))
      .select(MEMBER_COLUMNS);
    const byUser = new Map(existing.map((r) => [r.discord_user_id, r]));

    const inserts: { snapshot: DiscordMemberSnapshot; events: DiscordMemberEventDraft[] }[] = [];
    const events: MemberEventRow[] = [];
    for (const seen of input.members) {
      const row = byUser.get(seen.userId);
      const change = memberPresent(row ? toStoredMember(row) : null, seen, input.observedAt);
      if (change.kind === 'stale' || change.kind === 'unchanged') {
        counts[change.kind] += 1;
        continue;
      }
      counts[change.outcome] += 1;
      for (const e of change.events) counts.events[e.kind] += 1;
      if (!row) {
        inserts.push({ snapshot: seen, events: change.events });
        continue;
      }
      await trx('discord_members')
        .where({ id: row.id })
        .update({ ...memberColumns(storedFromSnapshot(seen, input.observedAt)), last_seen_at: input.observedAt, updated_at: trx.fn.now() });
      counts.rowsWritten += 1;
      events.push(...eventRows(input.guildId, row.id, change.events, meta));
    }

    if (inserts.length > 0) {
      const inserted: { id: number; discord_user_id: string }[] = await trx('discord_members')
        .insert(
          inserts.map(({ snapshot }) => ({
            guild_id: input.guildId,
            discord_user_id: snapshot.userId,
            ...memberColumns(storedFromSnapshot(snapshot, input.observedAt)),
            last_seen_at: input.observedAt,
          })),
        )
        .returning(['id', 'discord_user_id']);
      counts.rowsWritten += inserted.length;
      const idOf = new Map(inserted.map((r) => [r.discord_user_id, r.id]));
      for (const { snapshot, events: drafts } of inserts) events.push(...eventRows(input.guildId, idOf.get(snapshot.userId)!, drafts, meta));
    }

    // Large first passes insert thousands of events: keep each statement well under PG's parameter limit.
    for (let i = 0; i < events.length; i += 2_000) await trx('discord_member_events').insert(events.slice(i, i + 2_000));
    counts.rowsWritten += events.length;
    return counts;
  });
}
