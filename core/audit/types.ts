/**
 * What the integrity checker finds. A finding is about one subject (a person, a character or a
 * Discord account) under one rule; its fingerprint names exactly that pair, so the same problem
 * keeps its identity across runs and a report never tells officers the same thing twice.
 */

export const AUDIT_RULES = [
  'character_without_discord',
  'discord_without_character',
  'same_player_suggested',
  'sources_disagree',
  'character_claimed_by_two_rows',
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
  /**
   * Who, as officers call them: the person, the character (Name-realm) and the Discord account;
   * `alts`: the person's other characters in the guild (Name, or Name-realm on another realm), named
   * beside the main so officers know the player at a glance.
   */
  subject: { person: string | null; character: string | null; discord: string | null; alts?: string[] };
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
  same_player_suggested: 'One player, an account and a character apart: a suggestion to confirm',
  sources_disagree: 'The sheet and the notes disagree',
  character_claimed_by_two_rows: 'Two sheet rows give one character to two players',
  discord_without_character: 'On Discord with a guild role, no character in the guild',
  member_without_role: 'In the guild, no guild role on Discord',
  character_without_discord: 'In the guild, no Discord account known',
  character_claimed_twice: 'One player, two Discord accounts',
  link_contradicted: 'Notes contradict a confirmed link',
  main_not_on_roster: 'Note names a main who is not on the roster',
  stale_character: 'Not seen in game for a while',
  character_unavailable: 'Blizzard cannot show the character',
};

/**
 * Why a finding went away, decided from the data when it is resolved and shown on its resolved line:
 * - `linked`: its subject now has a confirmed link (the account a character, the character an account);
 * - `came_back`: the member or character is back (seen in game, shown by Blizzard, rejoined);
 * - `left`: the member left the server or the character the guild;
 * - `fixed`: the role and the rank agree now (or the extra link or role is gone);
 * - `note_fixed`: the note no longer says what was wrong;
 * - `decided`: officers settled a flagged link;
 * - `suggestion_gone`: the suggestion pairing an account and a character was rejected or withdrawn;
 * - `merged`: not gone, only told another way (one finding for a suggested pair, or a flag's
 *   finding): never shown as resolved.
 */
export const RESOLUTION_REASONS = ['linked', 'came_back', 'left', 'fixed', 'note_fixed', 'decided', 'suggestion_gone', 'merged'] as const;
export type ResolutionReason = (typeof RESOLUTION_REASONS)[number];

/** The reasons in the words of a resolved line. */
export const RESOLUTION_WORDS: Record<Exclude<ResolutionReason, 'merged'>, string> = {
  linked: 'now linked',
  came_back: 'came back',
  left: 'left',
  fixed: 'fixed',
  note_fixed: 'note fixed',
  decided: 'decided by officers',
  suggestion_gone: 'suggestion rejected or withdrawn',
};
