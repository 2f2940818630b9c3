/**
 * What the integrity checker finds. A finding is about one subject (a person, a character or a
 * Discord account) under one rule; its fingerprint names exactly that pair, so the same problem
 * keeps its identity across runs and a report never tells officers the same thing twice.
 */

export const AUDIT_RULES = [
  'character_without_discord',
  'discord_without_character',
  'rank_role_mismatch',
  'departed_with_roles',
  'member_without_role',
  'stale_character',
  'character_claimed_twice',
  'link_contradicted',
  'main_not_on_roster',
  'character_unavailable',
] as const;
export type AuditRule = (typeof AUDIT_RULES)[number];

/** action: an officer must do something; warning: worth a look; info: for the record. */
export type Severity = 'action' | 'warning' | 'info';

export interface Finding {
  rule: AuditRule;
  /** `<rule>:<subject kind>:<id>`: stable across runs and renames. */
  fingerprint: string;
  severity: Severity;
  /** Who, as officers call them: the person, the character (Name-realm) and the Discord account. */
  subject: { person: string | null; character: string | null; discord: string | null };
  /** What is wrong, one line. */
  summary: string;
  /** What to do about it, one line. */
  action: string;
  details: Record<string, unknown>;
}

/** Headings and order of the report's sections, one per rule. */
export const RULE_TITLES: Record<AuditRule, string> = {
  rank_role_mismatch: 'Rank and Discord role disagree',
  departed_with_roles: 'Left the guild, still holding guild roles',
  discord_without_character: 'On Discord with a guild role, no character in the guild',
  member_without_role: 'In the guild, no guild role on Discord',
  character_without_discord: 'In the guild, no Discord account known',
  character_claimed_twice: 'One player, two Discord accounts',
  link_contradicted: 'Notes contradict a confirmed link',
  main_not_on_roster: 'Note names a main who is not on the roster',
  stale_character: 'Not seen in game for a while',
  character_unavailable: 'Blizzard cannot show the character',
};
