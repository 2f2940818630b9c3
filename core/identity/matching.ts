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

/** A character's name keys, computed once per match instead of once per rule and member. */
interface CharacterKeys {
  exact: string;
  folded: string;
}

/** One word of a Discord name, with its keys. */
interface NamePart {
  exact: string;
  folded: string;
}

/** A member's names, split into words and keyed once (remembered while the names stay the same). */
interface MemberNames {
  username: string | null;
  globalName: string | null;
  nickname: string | null;
  usernameKey: string;
  globalKey: string | null;
  nicknameKey: string | null;
  usernameParts: NamePart[];
  globalParts: NamePart[];
  nicknameParts: NamePart[];
}

type Rule = (c: MatchCharacter, key: CharacterKeys, m: MatchMember, n: MemberNames, hints: NoteHint[]) => Evidence | null;

const shown = (m: MatchMember) => (m.nickname ? `nickname "${m.nickname}"` : m.globalName ? `display name "${m.globalName}"` : `username "${m.username}"`);
/** A server nickname like "Kaz | Kazgor" or "Zatañña (Rocket)" names a character among its words. */
const nameParts = (s: string | null): NamePart[] =>
  s ? s.split(/[\s|/,()[\]]+/u).filter(Boolean).map((p) => ({ exact: exactNameKey(p), folded: foldedNameKey(p) })) : [];

const remembered = new WeakMap<MatchMember, MemberNames>();
function namesOf(m: MatchMember): MemberNames {
  const known = remembered.get(m);
  if (known && known.username === m.username && known.globalName === m.globalName && known.nickname === m.nickname) return known;
  const n: MemberNames = {
    username: m.username,
    globalName: m.globalName,
    nickname: m.nickname,
    usernameKey: exactNameKey(m.username),
    globalKey: m.globalName ? exactNameKey(m.globalName) : null,
    nicknameKey: m.nickname ? exactNameKey(m.nickname) : null,
    usernameParts: nameParts(m.username),
    globalParts: nameParts(m.globalName),
    nicknameParts: nameParts(m.nickname),
  };
  remembered.set(m, n);
  return n;
}

/** The member's names in the order rules read them, with their words. */
const allNames = (m: MatchMember, n: MemberNames): [string | null, NamePart[]][] => [
  [m.username, n.usernameParts],
  [m.globalName, n.globalParts],
  [m.nickname, n.nicknameParts],
];
const handleKey = (value: string) => exactNameKey(value.replace(/#\d{4}$/, ''));

/** The rules, strongest first; the order is also the order evidence is shown in. */
export const RULES: { name: string; rule: Rule }[] = [
  {
    name: 'discord_handle_in_note',
    rule: (_c, _k, m, n, hints) => {
      const h = hints.find((x) => x.kind === 'discord_handle' && handleKey(x.value) === n.usernameKey);
      // Discord usernames are unique: an officer writing one down is enough on its own; a player's own public note is not.
      return h ? { rule: 'discord_handle_in_note', source: h.source, weight: h.source === 'officer_note' ? 0.8 : 0.6, text: `${label(h.source)} "${h.evidence}" names the Discord user ${m.username}`, fuzzy: false } : null;
    },
  },
  {
    name: 'discord_name_in_note',
    rule: (_c, _k, m, n, hints) => {
      const h = hints.find((x) => x.kind === 'discord_handle' && (exactNameKey(x.value) === n.globalKey || exactNameKey(x.value) === n.nicknameKey));
      return h ? { rule: 'discord_name_in_note', source: h.source, weight: 0.4, text: `${label(h.source)} "${h.evidence}" matches the ${shown(m)} of ${m.username}`, fuzzy: false } : null;
    },
  },
  {
    name: 'nickname_is_character',
    rule: (_c, k, m, n) => {
      const shownName = n.nicknameParts.some((p) => p.exact === k.exact) ? m.nickname : n.globalParts.some((p) => p.exact === k.exact) ? m.globalName : null;
      return shownName ? { rule: 'nickname_is_character', source: 'discord_profile', weight: 0.5, text: `${m.username}'s name on the server "${shownName}" is the character's name`, fuzzy: false } : null;
    },
  },
  {
    name: 'player_named_in_note',
    rule: (_c, _k, m, n, hints) => {
      const h = hints.find((x) => {
        if (x.kind !== 'player_named' && x.kind !== 'note_key') return false;
        const named = exactNameKey(x.value);
        return allNames(m, n).some(([, parts]) => parts.some((p) => p.exact === named));
      });
      return h ? { rule: 'player_named_in_note', source: h.source, weight: 0.35, text: `${label(h.source)} "${h.evidence}" names ${m.username}`, fuzzy: false } : null;
    },
  },
  {
    name: 'name_without_accents',
    rule: (_c, k, m, n) => {
      const found = allNames(m, n).find(([name, parts]) => name && parts.some((p) => p.folded === k.folded && p.exact !== k.exact));
      return found ? { rule: 'name_without_accents', source: 'discord_profile', weight: 0.35, text: `"${found[0]}" (${m.username}) is the character's name without accents`, fuzzy: true } : null;
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
export function matchCharacter(c: MatchCharacter, members: MatchMember[], rejected: ReadonlySet<number> = new Set(), hints: NoteHint[] = readNotes(c)): MatchDecision {
  const candidates: Candidate[] = [];
  const key: CharacterKeys = { exact: exactNameKey(c.name), folded: foldedNameKey(c.name) };
  for (const m of members) {
    if (m.isBot || rejected.has(m.id)) continue;
    const n = namesOf(m);
    const evidence: Evidence[] = [];
    let weight = 0;
    for (const r of RULES) {
      const e = r.rule(c, key, m, n, hints);
      if (e) {
        evidence.push(e);
        weight += e.weight;
      }
    }
    if (evidence.length === 0) continue;
    const confidence = Math.min(1, Math.round(weight * 100) / 100);
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
