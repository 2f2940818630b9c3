import { RealmIndex, exactNameKey, foldedNameKey, parseCharacterRef } from './names';
import type { NoteHint } from './notes';
import type { Evidence } from './matching';

export interface RosterCharacter {
  id: number;
  name: string;
  realmSlug: string;
  guildNote: string | null;
  officerNote: string | null;
  /** Names the character had before a rename (Blizzard keeps the id): notes and sheets lag renames. */
  previousNames?: readonly string[];
  /** false for a character that left the guild: still known (history), found after those in the guild. */
  inGuild?: boolean;
}

/** Roster characters by exact name key (and every previous name): build once, look up for every alt. */
export type RosterByName = ReadonlyMap<string, RosterCharacter[]>;

export function rosterByName(roster: Iterable<RosterCharacter>): RosterByName {
  const byName = new Map<string, RosterCharacter[]>();
  const add = (key: string, c: RosterCharacter) => {
    const list = byName.get(key);
    if (!list) byName.set(key, [c]);
    else if (!list.includes(c)) list.push(c);
  };
  const all = [...roster];
  // Current names first, so a name someone has now wins over the same name someone had once.
  for (const c of all) add(exactNameKey(c.name), c);
  for (const c of all) for (const old of c.previousNames ?? []) add(exactNameKey(old), c);
  return byName;
}

const where = (source: NoteHint['source']) => (source === 'officer_note' ? 'officer note' : 'public note');
const label = (c: RosterCharacter) => `${c.name}-${c.realmSlug}`;

/**
 * The roster character a note's name stands for: by the realm the note gives, else the guild's realm,
 * else the alt's own realm, else a name unique across realms. In-guild characters before departed ones;
 * a current name before a previous one.
 */
export function findNamedCharacter(value: string, alt: RosterCharacter, byName: RosterByName, realms: RealmIndex, guildRealmSlug: string): RosterCharacter | undefined {
  const ref = parseCharacterRef(value, realms, guildRealmSlug);
  const sameName = (byName.get(exactNameKey(ref.name)) ?? []).filter((c) => c.id !== alt.id);
  if (sameName.length === 0) return undefined;
  const present = sameName.filter((c) => c.inGuild !== false);
  for (const pool of [present, sameName]) {
    const found =
      (ref.realmWritten ? pool.find((c) => c.realmSlug === ref.realmSlug) : undefined) ??
      (!ref.realmWritten ? pool.find((c) => c.realmSlug === guildRealmSlug) : undefined) ??
      (!ref.realmWritten ? pool.find((c) => c.realmSlug === alt.realmSlug) : undefined) ??
      (!ref.realmWritten && pool.length === 1 ? pool[0] : undefined);
    if (found) return found;
  }
  return undefined;
}

/**
 * Look-alikes of a name no roster character bears: the same name without accents, or one letter
 * typed wrong, added, dropped or two swapped. At most three (more is noise): a review-band hint for
 * officers, never a link on its own.
 */
export function lookAlikes(value: string, alt: RosterCharacter, byFolded: ReadonlyMap<string, RosterCharacter[]>, byLength: ReadonlyMap<number, RosterCharacter[]>): RosterCharacter[] {
  const name = value.split('-')[0]!;
  const folded = foldedNameKey(name);
  if (folded.length < 4) return [];
  const twins = (byFolded.get(folded) ?? []).filter((c) => c.id !== alt.id);
  if (twins.length > 0) return twins.length <= 3 ? twins : [];
  const near: RosterCharacter[] = [];
  for (let len = folded.length - 1; len <= folded.length + 1; len += 1) {
    for (const c of byLength.get(len) ?? []) {
      if (c.id !== alt.id && withinOneEdit(folded, foldedNameKey(c.name)) && !near.includes(c)) near.push(c);
      if (near.length > 3) return [];
    }
  }
  return near;
}

/** Damerau distance ≤ 1 (one substitution, insertion, deletion, or adjacent swap). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return false;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** Indexes for look-alike search, built once per plan. */
export function lookAlikeIndexes(roster: Iterable<RosterCharacter>): { byFolded: Map<string, RosterCharacter[]>; byLength: Map<number, RosterCharacter[]> } {
  const byFolded = new Map<string, RosterCharacter[]>();
  const byLength = new Map<number, RosterCharacter[]>();
  for (const c of roster) {
    const f = foldedNameKey(c.name);
    (byFolded.get(f) ?? byFolded.set(f, []).get(f)!).push(c);
    (byLength.get(f.length) ?? byLength.set(f.length, []).get(f.length)!).push(c);
  }
  return { byFolded, byLength };
}

export function mainEvidence(hint: NoteHint, main: RosterCharacter, weight = 0.9): Evidence {
  const renamed = exactNameKey(main.name) !== exactNameKey(parseName(hint.value)) ? ` (since renamed ${main.name})` : '';
  return { rule: 'main_named_in_note', source: hint.source, weight, text: `${where(hint.source)} "${hint.evidence}" names the main ${label(main)}${renamed}`, fuzzy: false };
}

export function unknownMainEvidence(hint: NoteHint): Evidence {
  return { rule: 'main_named_in_note', source: hint.source, weight: 0, text: `${where(hint.source)} "${hint.evidence}" names ${hint.value}, who is not on the roster`, fuzzy: false };
}

const parseName = (value: string) => value.split('-')[0]!;
