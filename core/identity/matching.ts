import { exactNameKey, foldedNameKey } from './names';
import { readNotes, type NoteHint } from './notes';

/**
 * Matching a character to a Discord account, as an ordered list of readable rules. Each rule looks
 * at one pair and returns evidence (what it saw, and how much that counts) or nothing. A pair's
 * confidence is the sum of its evidence, capped at 1. Automation links only when sure: confidence
 * at or above AUTO_CONFIRM, at least one exact (not fuzzy) piece of evidence, and exactly one
 * account qualifying for the character. The middle band goes to officers as suggestions.
 */
export const THRESHOLDS = { autoConfirm: 0.8, suggest: 0.35 } as const;

export interface MatchCharacter {
  id: number;
  name: string;
  realmSlug: string;
  guildNote: string | null;
  officerNote: string | null;
}

export interface MatchMember {
  id: number;
  username: string;
  globalName: string | null;
  nickname: string | null;
  isBot: boolean;
}

export interface Evidence {
  rule: string;
  source: 'officer_note' | 'guild_note' | 'discord_profile' | 'roster' | 'sheet' | 'officer';
  weight: number;
  /** What was seen, for officers: `officer note "Discord: Trog" names the Discord user trog`. */
  text: string;
  /** True for accent-folded name matches: never enough to confirm on their own. */
  fuzzy: boolean;
}

type Rule = (c: MatchCharacter, m: MatchMember, hints: NoteHint[]) => Evidence | null;

const names = (m: MatchMember) => [m.username, m.globalName, m.nickname].filter((n): n is string => Boolean(n));
const shown = (m: MatchMember) => (m.nickname ? `nickname "${m.nickname}"` : m.globalName ? `display name "${m.globalName}"` : `username "${m.username}"`);
/** A server nickname like "Kaz | Kazgor" or "Zatañña (Rocket)" names a character among its words. */
const nameParts = (s: string) => s.split(/[\s|/,()[\]]+/u).filter(Boolean);

/** The rules, strongest first; the order is also the order evidence is shown in. */
export const RULES: { name: string; rule: Rule }[] = [
  {
    name: 'discord_handle_in_note',
    rule: (_c, m, hints) => {
      const h = hints.find((x) => x.kind === 'discord_handle' && exactNameKey(x.value.replace(/#\d{4}$/, '')) === exactNameKey(m.username));
      return h ? { rule: 'discord_handle_in_note', source: h.source, weight: 0.6, text: `${label(h.source)} "${h.evidence}" names the Discord user ${m.username}`, fuzzy: false } : null;
    },
  },
  {
    name: 'discord_name_in_note',
    rule: (_c, m, hints) => {
      const h = hints.find((x) => x.kind === 'discord_handle' && [m.globalName, m.nickname].some((n) => n && exactNameKey(n) === exactNameKey(x.value)));
      return h ? { rule: 'discord_name_in_note', source: h.source, weight: 0.4, text: `${label(h.source)} "${h.evidence}" matches the ${shown(m)} of ${m.username}`, fuzzy: false } : null;
    },
  },
  {
    name: 'nickname_is_character',
    rule: (c, m) => {
      const n = [m.nickname, m.globalName].find((x) => x && nameParts(x).some((p) => exactNameKey(p) === exactNameKey(c.name)));
      return n ? { rule: 'nickname_is_character', source: 'discord_profile', weight: 0.5, text: `${m.username}'s name on the server "${n}" is the character's name`, fuzzy: false } : null;
    },
  },
  {
    name: 'player_named_in_note',
    rule: (_c, m, hints) => {
      const h = hints.find((x) => (x.kind === 'player_named' || x.kind === 'note_key') && names(m).some((n) => nameParts(n).some((p) => exactNameKey(p) === exactNameKey(x.value))));
      return h ? { rule: 'player_named_in_note', source: h.source, weight: 0.35, text: `${label(h.source)} "${h.evidence}" names ${m.username}`, fuzzy: false } : null;
    },
  },
  {
    name: 'name_without_accents',
    rule: (c, m) => {
      const n = names(m).find((x) => nameParts(x).some((p) => foldedNameKey(p) === foldedNameKey(c.name) && exactNameKey(p) !== exactNameKey(c.name)));
      return n ? { rule: 'name_without_accents', source: 'discord_profile', weight: 0.35, text: `"${n}" (${m.username}) is the character's name without accents`, fuzzy: true } : null;
    },
  },
];

export interface Candidate {
  memberId: number;
  confidence: number;
  evidence: Evidence[];
}

export type MatchDecision =
  | { decision: 'auto_confirm'; candidate: Candidate; others: Candidate[] }
  | { decision: 'suggest'; candidates: Candidate[] }
  | { decision: 'none' };

/**
 * Candidates for one character among the server's members, and what automation may do. `rejected`
 * holds member ids an officer rejected for this character: never proposed again.
 */
export function matchCharacter(c: MatchCharacter, members: MatchMember[], rejected: ReadonlySet<number> = new Set()): MatchDecision {
  const hints = readNotes(c);
  const candidates: Candidate[] = [];
  for (const m of members) {
    if (m.isBot || rejected.has(m.id)) continue;
    const evidence = RULES.map((r) => r.rule(c, m, hints)).filter((e): e is Evidence => e !== null);
    if (evidence.length === 0) continue;
    const confidence = Math.min(1, Math.round(evidence.reduce((s, e) => s + e.weight, 0) * 100) / 100);
    if (confidence >= THRESHOLDS.suggest) candidates.push({ memberId: m.id, confidence, evidence });
  }
  candidates.sort((a, b) => b.confidence - a.confidence || a.memberId - b.memberId);
  const sure = candidates.filter((x) => x.confidence >= THRESHOLDS.autoConfirm && x.evidence.some((e) => !e.fuzzy));
  if (sure.length === 1 && !candidates.some((x) => x !== sure[0] && x.confidence >= THRESHOLDS.autoConfirm)) {
    return { decision: 'auto_confirm', candidate: sure[0]!, others: candidates.filter((x) => x !== sure[0]) };
  }
  return candidates.length > 0 ? { decision: 'suggest', candidates } : { decision: 'none' };
}

function label(source: NoteHint['source']): string {
  return source === 'officer_note' ? 'officer note' : 'public note';
}
