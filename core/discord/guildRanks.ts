/**
 * Which guild rank a Discord role stands for, by the guild's naming (Guild Leader→GM,
 * Officer, Veteran, Member, Initiate). Other roles (bots, Raider, Muted…) stand for no rank.
 */
const RANK_BY_ROLE_NAME: Record<string, number> = {
  gm: 0,
  'guild master': 0,
  'guild leader': 0,
  officer: 1,
  veteran: 2,
  member: 3,
  initiate: 4,
};

export function guildRankForRole(roleName: string): number | null {
  return RANK_BY_ROLE_NAME[roleName.trim().toLowerCase()] ?? null;
}
