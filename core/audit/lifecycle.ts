import type { AuditCharacter, AuditInput, AuditMember } from './rules';
import type { AuditRule, Finding, ResolutionReason } from './types';

/**
 * How findings become tracked issues across runs: new ones are opened, ones still there are seen
 * again, ones gone are resolved, and one that comes back after being resolved is new again (to be
 * reported again). Pure: the caller applies the plan in one transaction.
 */

export interface StoredIssue {
  id: number;
  fingerprint: string;
  resolvedAt: Date | null;
}

export interface IssuePlan {
  open: Finding[];
  /** Still there: last seen now, with the current wording (names change, counts change). */
  seen: { id: number; finding: Finding }[];
  /** Back after being resolved: first seen now, not notified, open. */
  reopen: { id: number; finding: Finding }[];
  resolve: number[];
}

export function planIssues(stored: StoredIssue[], findings: Finding[]): IssuePlan {
  const byFingerprint = new Map(stored.map((s) => [s.fingerprint, s]));
  const plan: IssuePlan = { open: [], seen: [], reopen: [], resolve: [] };
  const present = new Set<string>();
  for (const f of findings) {
    if (present.has(f.fingerprint)) continue; // one subject, one rule: once
    present.add(f.fingerprint);
    const s = byFingerprint.get(f.fingerprint);
    if (!s) plan.open.push(f);
    else if (s.resolvedAt) plan.reopen.push({ id: s.id, finding: f });
    else plan.seen.push({ id: s.id, finding: f });
  }
  for (const s of stored) if (!s.resolvedAt && !present.has(s.fingerprint)) plan.resolve.push(s.id);
  return plan;
}

/** A resolved issue as stored: what the rule said and about whom (its details name the ids). */
export interface ResolvedIssue {
  id: number;
  rule: AuditRule;
  fingerprint: string;
  details: Record<string, unknown>;
}

/**
 * Why each resolved issue went away, read from the guild as it is now (the same input the rules
 * read) and from this run's findings: null when the data does not say (a grace, a rank that
 * changed but still disagrees), rather than a reason that is not true.
 */
export function resolutionReasons(issues: ResolvedIssue[], input: AuditInput, findings: Finding[]): Map<number, ResolutionReason | null> {
  const members = new Map(input.members.map((m) => [m.id, m]));
  const characters = new Map(input.characters.map((c) => [c.id, c]));
  const inGuild = new Map<number, AuditCharacter[]>();
  for (const c of input.characters) if (c.inGuild && c.personId !== null) inGuild.set(c.personId, [...(inGuild.get(c.personId) ?? []), c]);
  const accounts = new Map<number, number>();
  for (const m of input.members) if (m.present && !m.isBot && m.personId !== null) accounts.set(m.personId, (accounts.get(m.personId) ?? 0) + 1);
  const mains = new Map(input.persons.map((p) => [p.id, p.mainCharacterId]));
  const told = new Set(findings.flatMap((f) => (Array.isArray(f.details.folds) ? (f.details.folds as string[]) : [])));

  const member = (id: unknown) => (typeof id === 'number' ? members.get(id) : undefined);
  const character = (id: unknown) => (typeof id === 'number' ? characters.get(id) : undefined);
  const gone = (m: AuditMember | undefined) => !m || !m.present;
  const left = (c: AuditCharacter | undefined) => !c || !c.inGuild;
  const hasCharacters = (person: number | null | undefined) => person != null && (inGuild.get(person)?.length ?? 0) > 0;
  const hasAccount = (person: number | null | undefined) => person != null && (accounts.get(person) ?? 0) > 0;
  /** The main as the rules pick it: named, else the highest rank. */
  const mainOf = (person: number) => {
    const chars = inGuild.get(person) ?? [];
    return chars.find((c) => c.id === mains.get(person)) ?? [...chars].sort((a, b) => (a.rank ?? 9) - (b.rank ?? 9) || a.id - b.id)[0];
  };

  const why = (issue: ResolvedIssue): ResolutionReason | null => {
    if (told.has(issue.fingerprint)) return 'merged';
    const d = issue.details;
    const m = member(d.memberId);
    const c = character(d.characterId);
    switch (issue.rule) {
      case 'character_without_discord':
        if (left(c)) return 'left';
        return hasAccount(c!.personId) ? 'linked' : null;
      case 'discord_without_character':
        if (gone(m)) return 'left';
        if (hasCharacters(m!.personId)) return 'linked';
        return m!.guildRanks.length === 0 ? 'fixed' : null;
      case 'departed_with_roles':
        if (gone(m)) return 'left';
        if (hasCharacters(m!.personId)) return 'came_back';
        return m!.guildRanks.length === 0 ? 'fixed' : null;
      case 'member_without_role':
      case 'rank_role_mismatch': {
        if (gone(m)) return 'left';
        if (m!.personId === null) return null;
        const main = mainOf(m!.personId);
        if (!main) return 'left';
        return m!.guildRanks.length > 0 && Math.min(...m!.guildRanks) === main.rank ? 'fixed' : null;
      }
      case 'stale_character':
        if (left(c)) return 'left';
        return c!.lastLoginAt !== null && input.now - c!.lastLoginAt <= input.settings.staleDays * 86_400_000 ? 'came_back' : null;
      case 'character_unavailable':
        if (left(c)) return 'left';
        return c!.profileStatus !== 'unavailable' ? 'came_back' : null;
      case 'character_claimed_twice':
        return typeof d.personId === 'number' && (accounts.get(d.personId) ?? 0) <= 1 ? 'fixed' : null;
      case 'link_contradicted':
        if (d.characterId == null) return null; // told before flags named their character
        if (left(c)) return 'left';
        return c!.personId === d.personId ? 'note_fixed' : 'decided';
      case 'sources_disagree':
      case 'character_claimed_by_two_rows':
        if (d.characterId != null && left(c)) return 'left';
        return 'decided';
      case 'main_not_on_roster':
        return left(c) ? 'left' : 'note_fixed';
      case 'same_player_suggested':
        if (gone(m) || left(c)) return 'left';
        if (hasCharacters(m!.personId) || hasAccount(c!.personId)) return 'linked';
        return 'suggestion_gone';
    }
  };
  return new Map(issues.map((i) => [i.id, why(i)]));
}
