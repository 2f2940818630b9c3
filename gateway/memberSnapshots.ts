import type { GuildMember, PartialGuildMember } from 'discord.js';
import type { DiscordMemberSnapshot } from '../core/discord/types';

/** A discord.js member reduced to what the sync keeps (roles without @everyone, which everyone has). */
export function snapshotFromGuildMember(member: GuildMember): DiscordMemberSnapshot {
  return {
    userId: member.id,
    username: member.user.username,
    globalName: member.user.globalName ?? null,
    nickname: member.nickname ?? null,
    isBot: member.user.bot,
    roleIds: member.roles.cache.filter((r) => r.id !== member.guild.id).map((r) => r.id),
    joinedAt: member.joinedAt ? member.joinedAt.toISOString() : null,
  };
}

/** Who left: a remove event carries the user, whether or not the member was cached. */
export function departedUser(member: GuildMember | PartialGuildMember) {
  return {
    userId: member.id,
    username: member.user?.username ?? member.id,
    globalName: member.user?.globalName ?? null,
    isBot: member.user?.bot ?? false,
  };
}
