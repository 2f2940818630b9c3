import type { APIGuildMember, APIRole } from 'discord.js';
import type { DiscordMemberSnapshot, DiscordRoleSnapshot } from '../../core/discord/types';

/** A member from a REST page or a gateway payload, reduced to what the sync keeps. */
export function snapshotFromApiMember(m: APIGuildMember): DiscordMemberSnapshot {
  if (!m.user) throw new Error('Discord sent a member without its user object; cannot key it by snowflake');
  return {
    userId: m.user.id,
    username: m.user.username,
    globalName: m.user.global_name ?? null,
    nickname: m.nick ?? null,
    isBot: m.user.bot === true,
    roleIds: [...m.roles],
    joinedAt: m.joined_at ? new Date(m.joined_at).toISOString() : null,
  };
}

export function snapshotFromApiRole(r: APIRole): DiscordRoleSnapshot {
  return { roleId: r.id, name: r.name, position: r.position, color: r.color, managed: r.managed };
}
