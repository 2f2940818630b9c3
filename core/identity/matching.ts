import { discordNames, type DiscordName } from './discordNames';
import { exactNameKey, foldedNameKey } from './names';
import { readNotes, type NoteHint } from './notes';

/**
 * Matching a character to a Discord account, as an ordered list of readable rules. Each rule looks
 * at one pair and returns evidence (what it saw, and how much that counts) or nothing. A pair's
 * confidence is the sum of its evidence, capped at 1. Automation links only when sure: confidence
 * at or above AUTO_CONFIRM, at least one exact (not fuzzy) piece of evidence, and exactly one
 * account qualifying for the character. The middle band goes to officers as suggestions.
 *
 * What makes a name strong is that it is unique: a name only one member goes by, and only one
 * character bears, points at one player. The same name on two members or two characters (or two
 * characters that differ only by an accent) is a suggestion at most.
 */
export const THRESHOLDS = { autoConfirm: 0.8, suggest: 0.35 } as const;

export interface MatchCharacter {
  id: number;
  name: string;
  realmSlug: string;
  guildNote: string | null;
  officerNote: string | null;
  previousNames?: readonly string[];
}

export interface MatchMember {
  id: number;
  username: string;
  globalName: string | null;
  nickname: string | null;
  isBot: boolean;
  /** Holds one of the guild's rank roles; false for visitors (unknown when absent). Shown, not weighed. */
  hasGuildRole?: boolean;
}

export interface Evidence {
  rule: string;
  source: 'officer_note' | 'guild_note' | 'discord_profile' | 'roster' | 'sheet' | 'officer';
  weight: number;
  /** What was seen, for officers: `officer note "Discord: Trog" names the Discord user trog`. */
  text: string;
  /** True for look-alike matches (accents, typos, bank names): never enough to confirm on their own. */
  fuzzy: boolean;
}

/** How many go by a name on each side of the guild: what makes a name evidence or noise. */
export interface NameCounts {
  /** Present human members going by this exact key (whole names and name parts). */
  membersGoingBy(exactKey: string): number;
  /** Characters bearing this exact name key (now or before a rename). */
  charactersNamed(exactKey: string): number;
  /** Characters whose notes share this note key (the guild's habit of a player word on every character). */
  charactersKeyed(exactKey: string): number;
}

/** A member's names, keyed once (remembered while the names stay the same). */
interface MemberNames {
  username: string;
  globalName: string | null;
  nickname: string | null;
  usernameKey: string;
  names: DiscordName[];
}

const remembered = new WeakMap<MatchMember, MemberNames>();
export function namesOf(m: MatchMember): MemberNames {
  const known = remembered.get(m);
  if (known && known.username === m.username && known.globalName === m.globalName && known.nickname === m.nickname) return known;
  const n: MemberNames = { username: m.username, globalName: m.globalName, nickname: m.nickname, usernameKey: handleKey(m.username), names: discordNames(m) };
  remembered.set(m, n);
  return n;
}

/** A handle as written in a note: `trog`, `@trog`, `Trog#1234` (a legacy tag) all name `trog`. */
export const handleName = (value: string) => value.replace(/^@/, '').replace(/#\d{4}$/, '');
export const handleKey = (value: string) => exactNameKey(handleName(value));

const shown = (n: DiscordName, m: MatchMember) => (n.from === 'username' ? `username "${m.username}"` : n.from === 'global_name' ? `display name "${m.globalName}"` : `server nickname "${m.nickname}"`);
const where = (source: NoteHint['source']) => (source === 'officer_note' ? 'officer note' : 'public note');
/** A part of a name counts as the name when it is long enough not to be a coincidence. */
const strongPart = (n: DiscordName) => n.whole || n.exactKey.length >= 4;

interface PairContext {
  c: MatchCharacter;
  exact: string;
  folded: string;
  previous: { exact: string; name: string }[];
  m: MatchMember;
  n: MemberNames;
  hints: NoteHint[];
  counts: NameCounts;
}
type Rule = (p: PairContext) => Evidence | null;

/** The rules, strongest first; the order is also the order evidence is shown in. */
export const RULES: { name: string; rule: Rule }[] = [
  {
    name: 'discord_handle_in_note',
    rule: ({ m, n, hints, counts }) => {
      for (const h of hints) {
        if (h.kind !== 'discord_handle') continue;
        const key = handleKey(h.value);
        // Discord usernames are unique: a note naming one names one account.
        if (key === n.usernameKey) return { rule: 'discord_handle_in_note', source: h.source, weight: h.source === 'officer_note' ? 0.9 : 0.8, text: `${where(h.source)} "${h.evidence}" names the Discord user ${m.username}`, fuzzy: false };
        const named = n.names.find((x) => x.whole && x.exactKey === key);
        if (named) {
          const unique = counts.membersGoingBy(key) === 1;
          return { rule: 'discord_name_in_note', source: h.source, weight: unique ? 0.8 : 0.4, text: `${where(h.source)} "${h.evidence}" matches the ${shown(named, m)} of ${m.username}${unique ? '' : ', a name other members share'}`, fuzzy: false };
        }
      }
      return null;
    },
  },
  {
    name: 'player_named_in_note',
    rule: ({ m, n, hints, counts }) => {
      for (const h of hints) {
        if (h.kind !== 'player_named' && h.kind !== 'note_key' && h.kind !== 'main_named') continue;
        if (h.value.includes('-')) continue; // Name-Realm names a character, never an account
        const key = exactNameKey(h.value);
        const named = n.names.find((x) => x.exactKey === key && strongPart(x));
        if (!named) continue;
        // A name one member goes by and no character bears names the player. A note key written on
        // one character's public note alone may be any first word: a suggestion.
        const unique = counts.membersGoingBy(key) === 1 && counts.charactersNamed(key) === 0;
        const trusted = h.kind !== 'note_key' || h.source === 'officer_note' || counts.charactersKeyed(key) >= 2;
        const weight = !unique ? 0.35 : !trusted ? 0.5 : h.kind === 'main_named' ? 0.85 : 0.8;
        return { rule: 'player_named_in_note', source: h.source, weight, text: `${where(h.source)} "${h.evidence}" names ${h.value}, the ${shown(named, m)} of ${m.username}`, fuzzy: false };
      }
      return null;
    },
  },
  {
    name: 'nickname_is_character',
    rule: ({ c, exact, previous, m, n, counts }) => {
      const named = n.names.find((x) => x.exactKey === exact && strongPart(x));
      if (named) {
        // Unique on both sides: one character bears the name, accents and all, and one member goes by it.
        // (A member without a guild role is still that player: the audit then says they lack the role.)
        const unique = counts.charactersNamed(exact) === 1 && counts.membersGoingBy(exact) === 1;
        const weight = unique ? 0.8 : 0.5;
        return { rule: 'nickname_is_character', source: 'discord_profile', weight, text: `${m.username}'s ${shown(named, m)} is the character's name${unique ? '' : ', which other characters or members share'}`, fuzzy: false };
      }
      for (const p of previous) {
        const was = n.names.find((x) => x.exactKey === p.exact && strongPart(x));
        if (was) return { rule: 'former_name_on_discord', source: 'discord_profile', weight: 0.5, text: `${m.username}'s ${shown(was, m)} is ${c.name}'s name before a rename (${p.name})`, fuzzy: false };
      }
      return null;
    },
  },
  {
    name: 'name_without_accents',
    rule: ({ c, exact, folded, m, n, counts }) => {
      // A name that is exactly another character's (Dìcoz beside Dícoz) is that one's, not a look-alike of this.
      const found = n.names.find((x) => x.foldedKey === folded && x.exactKey !== exact && strongPart(x) && counts.charactersNamed(x.exactKey) === 0);
      return found ? { rule: 'name_without_accents', source: 'discord_profile', weight: 0.35, text: `${m.username}'s ${shown(found, m)} is ${c.name} without accents`, fuzzy: true } : null;
    },
  },
  {
    name: 'name_shortened',
    rule: ({ c, exact, m, n, counts }) => {
      // "Raven" for Ravenmoor: a player shortening their main's name. A hint for officers, never proof.
      if (n.names.some((x) => x.exactKey === exact)) return null; // the whole name is there: no need to guess
      const found = n.names.find((x) => x.whole && x.exactKey.length >= 5 && exact.length > x.exactKey.length && exact.startsWith(x.exactKey) && counts.charactersNamed(x.exactKey) === 0);
      return found ? { rule: 'name_shortened', source: 'discord_profile', weight: 0.35, text: `${m.username}'s ${shown(found, m)} is the start of ${c.name}`, fuzzy: true } : null;
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

/** The evidence for one pair, and its confidence; null below the suggestion band. */
export function weighPair(c: MatchCharacter, m: MatchMember, hints: NoteHint[], counts: NameCounts): Candidate | null {
  const ctx: PairContext = {
    c,
    exact: exactNameKey(c.name),
    folded: foldedNameKey(c.name),
    previous: (c.previousNames ?? []).filter((p) => exactNameKey(p) !== exactNameKey(c.name)).map((name) => ({ exact: exactNameKey(name), name })),
    m,
    n: namesOf(m),
    hints,
    counts,
  };
  const evidence: Evidence[] = [];
  let weight = 0;
  for (const r of RULES) {
    const e = r.rule(ctx);
    if (e) {
      evidence.push(e);
      weight += e.weight;
    }
  }
  if (evidence.length === 0) return null;
  const confidence = Math.min(1, Math.round(weight * 100) / 100);
  return confidence >= THRESHOLDS.suggest ? { memberId: m.id, confidence, evidence } : null;
}

/** Sure enough for automation: at the threshold, and resting on at least one exact piece of evidence. */
export function isSure(c: Candidate): boolean {
  return c.confidence >= THRESHOLDS.autoConfirm && c.evidence.some((e) => !e.fuzzy);
}

/** Name counts from a list of members and the characters known (for one character matched alone: itself). */
export function countsAmong(members: MatchMember[], characters: MatchCharacter[] = []): NameCounts {
  const going = new Map<string, number>();
  for (const m of members) {
    if (m.isBot) continue;
    for (const key of new Set(namesOf(m).names.map((x) => x.exactKey))) going.set(key, (going.get(key) ?? 0) + 1);
  }
  const named = new Map<string, number>();
  for (const c of characters) named.set(exactNameKey(c.name), (named.get(exactNameKey(c.name)) ?? 0) + 1);
  return {
    membersGoingBy: (k) => going.get(k) ?? 0,
    charactersNamed: (k) => named.get(k) ?? 0,
    charactersKeyed: () => 1,
  };
}

/**
 * Candidates for one character among the server's members, and what automation may do. `rejected`
 * holds member ids an officer rejected for this character: never proposed again.
 */
export function matchCharacter(c: MatchCharacter, members: MatchMember[], rejected: ReadonlySet<number> = new Set(), hints: NoteHint[] = readNotes(c), counts: NameCounts = countsAmong(members, [c])): MatchDecision {
  const candidates: Candidate[] = [];
  for (const m of members) {
    if (m.isBot || rejected.has(m.id)) continue;
    const cand = weighPair(c, m, hints, counts);
    if (cand) candidates.push(cand);
  }
  candidates.sort((a, b) => b.confidence - a.confidence || a.memberId - b.memberId);
  const sure = candidates.filter(isSure);
  if (sure.length === 1 && !candidates.some((x) => x !== sure[0] && x.confidence >= THRESHOLDS.autoConfirm)) {
    return { decision: 'auto_confirm', candidate: sure[0]!, others: candidates.filter((x) => x !== sure[0]) };
  }
  return candidates.length > 0 ? { decision: 'suggest', candidates } : { decision: 'none' };
}
