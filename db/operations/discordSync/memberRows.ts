import type { Knex } from 'knex';
import type { DiscordMemberEventDraft, StoredDiscordMember } from '../../../core/discord/types';

/** discord_members columns the Discord sync reads. */
export interface DbDiscordMemberRow {
  id: number;
  discord_user_id: string;
  username: string;
  global_name: string | null;
  nickname: string | null;
  is_bot: boolean;
  role_ids: string[];
  joined_server_at: Date | null;
  departed_at: Date | null;
  state_observed_at: Date | null;
}

export const MEMBER_COLUMNS = [
  'id',
  'discord_user_id',
  'username',
  'global_name',
  'nickname',
  'is_bot',
  'role_ids',
  'joined_server_at',
  'departed_at',
  'state_observed_at',
] as const;

export function toStoredMember(row: DbDiscordMemberRow): StoredDiscordMember {
  return {
    userId: row.discord_user_id,
    username: row.username,
    globalName: row.global_name,
    nickname: row.nickname,
    isBot: row.is_bot,
    roleIds: row.role_ids,
    joinedServerAt: row.joined_server_at,
    departedAt: row.departed_at,
    stateObservedAt: row.state_observed_at,
  };
}

export function memberColumns(m: StoredDiscordMember) {
  return {
    username: m.username,
    global_name: m.globalName,
    nickname: m.nickname,
    is_bot: m.isBot,
    role_ids: m.roleIds,
    joined_server_at: m.joinedServerAt,
    departed_at: m.departedAt,
    state_observed_at: m.stateObservedAt,
  };
}

/**
 * Every write to a guild's members goes through this lock: live events and reconcile pages for one
 * guild apply one at a time, so "is this observation newer than the row?" is answered on a row
 * nobody else is changing. Held for one page or one event: milliseconds.
 */
export async function lockGuildMembers(trx: Knex.Transaction, guildId: number): Promise<void> {
  await trx.raw("SELECT pg_advisory_xact_lock(hashtext('discord_members'), ?)", [guildId]);
}

export interface MemberEventRow {
  guild_id: number;
  discord_member_id: number;
  kind: DiscordMemberEventDraft['kind'];
  details: string;
  source: 'gateway' | 'reconcile';
  sync_run_id: number | null;
  occurred_at: Date;
}

export function eventRows(
  guildId: number,
  memberId: number,
  events: DiscordMemberEventDraft[],
  meta: { source: 'gateway' | 'reconcile'; syncRunId: number | null; occurredAt: Date },
): MemberEventRow[] {
  return events.map((e) => ({
    guild_id: guildId,
    discord_member_id: memberId,
    kind: e.kind,
    details: JSON.stringify(e.details),
    source: meta.source,
    sync_run_id: meta.syncRunId,
    occurred_at: meta.occurredAt,
  }));
}
