import { RealmIndex, exactNameKey, parseCharacterRef } from './names';
import { readNotes, type NoteHint } from './notes';
import type { Evidence } from './matching';

export interface RosterCharacter {
  id: number;
  name: string;
  realmSlug: string;
  guildNote: string | null;
  officerNote: string | null;
}

export type MainFromNotes =
  | { kind: 'main'; mainId: number; evidence: Evidence }
  /** The note names a main that is not on the roster: officers see it, nothing is linked. */
  | { kind: 'unknown_main'; named: string; evidence: Evidence }
  | { kind: 'none' };

/** Roster characters by exact name key: build once, look up for every alt. */
export type RosterByName = ReadonlyMap<string, RosterCharacter[]>;

export function rosterByName(roster: Iterable<RosterCharacter>): RosterByName {
  const byName = new Map<string, RosterCharacter[]>();
  for (const c of roster) {
    const key = exactNameKey(c.name);
    const list = byName.get(key);
    if (list) list.push(c);
    else byName.set(key, [c]);
  }
  return byName;
}

/**
 * Who an alt's notes say its main is. A named main counts only if it is on the roster: by the realm
 * the note gives, else the guild's realm, else the alt's own realm, else a name unique across
 * realms. The officer note is read before the public note.
 */
export function mainFromNotes(alt: RosterCharacter, roster: RosterCharacter[] | RosterByName, realms: RealmIndex, guildRealmSlug: string, hints: NoteHint[] = readNotes(alt)): MainFromNotes {
  const byName = Array.isArray(roster) ? rosterByName(roster) : roster;

  for (const hint of hints) {
    if (hint.kind !== 'main_named') continue;
    const ref = parseCharacterRef(hint.value, realms, guildRealmSlug);
    const sameName = (byName.get(exactNameKey(ref.name)) ?? []).filter((c) => c.id !== alt.id);
    const main =
      (ref.realmWritten ? sameName.find((c) => c.realmSlug === ref.realmSlug) : undefined) ??
      (!ref.realmWritten ? sameName.find((c) => c.realmSlug === guildRealmSlug) : undefined) ??
      (!ref.realmWritten ? sameName.find((c) => c.realmSlug === alt.realmSlug) : undefined) ??
      (!ref.realmWritten && sameName.length === 1 ? sameName[0] : undefined);
    const where = hint.source === 'officer_note' ? 'officer note' : 'public note';
    if (main) {
      return {
        kind: 'main',
        mainId: main.id,
        evidence: { rule: 'main_named_in_note', source: hint.source, weight: 0.9, text: `${where} "${hint.evidence}" names the main ${main.name}-${main.realmSlug}`, fuzzy: false },
      };
    }
    return {
      kind: 'unknown_main',
      named: hint.value,
      evidence: { rule: 'main_named_in_note', source: hint.source, weight: 0, text: `${where} "${hint.evidence}" names ${hint.value}, who is not on the roster`, fuzzy: false },
    };
  }
  return { kind: 'none' };
}
