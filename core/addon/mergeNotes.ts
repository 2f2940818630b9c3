import { exactNameKey as nameKey, realmKey } from '../identity/names';
import type { AddonExport } from './exportSchema';

/** A stored character, as far as the note merge reads it. */
export interface CharacterForNotes {
  id: number;
  guid: string | null;
  name: string;
  realmSlug: string;
  realmName: string | null;
  guildNote: string | null;
  officerNote: string | null;
}

export interface CharacterNoteUpdate {
  characterId: number;
  /** The GUID, learned when the character was matched by name. */
  guid?: string;
  guildNote?: string;
  officerNote?: string;
}

export interface NoteMergeCounts {
  members: number;
  matchedByGuid: number;
  matchedByName: number;
  unmatched: number;
  guildNotesChanged: number;
  officerNotesChanged: number;
  guidsLearned: number;
}

export interface NoteMergePlan {
  updates: CharacterNoteUpdate[];
  counts: NoteMergeCounts;
  /** `Name-Realm` of export members with no character on record. */
  unmatched: string[];
  warnings: string[];
}

export { realmKey };

/** `Name-RealmWithoutSpaces` → its parts (names cannot hold a hyphen; realms can). */
export function splitCharacterKey(key: string): { name: string; realm: string } {
  const at = key.indexOf('-');
  return { name: key.slice(0, at), realm: key.slice(at + 1) };
}

/**
 * Which notes of an export land on which characters: by GUID first (it survives renames), then by
 * name and realm. Only what differs is written. Officer notes are applied only when the exporter
 * could read them; otherwise the ones on record stay.
 */
export function planNoteMerge(exp: AddonExport, characters: CharacterForNotes[]): NoteMergePlan {
  const byGuid = new Map(characters.filter((c) => c.guid).map((c) => [c.guid!, c]));
  const byName = new Map<string, CharacterForNotes[]>();
  for (const c of characters) {
    const key = nameKey(c.name);
    byName.set(key, [...(byName.get(key) ?? []), c]);
  }
  const counts: NoteMergeCounts = { members: exp.members.length, matchedByGuid: 0, matchedByName: 0, unmatched: 0, guildNotesChanged: 0, officerNotesChanged: 0, guidsLearned: 0 };
  const updates: CharacterNoteUpdate[] = [];
  const unmatched: string[] = [];
  const warnings: string[] = [];
  const withOfficerNotes = exp.exporter.canReadOfficerNotes;
  const claimed = new Set<number>();

  for (const m of exp.members) {
    let character = byGuid.get(m.guid);
    let learnGuid = false;
    if (character) counts.matchedByGuid += 1;
    else {
      const { name, realm } = splitCharacterKey(m.name);
      const candidates = (byName.get(nameKey(name)) ?? []).filter(
        (c) => realmKey(c.realmSlug) === realmKey(realm) || (c.realmName !== null && realmKey(c.realmName) === realmKey(realm)),
      );
      character = candidates[0];
      if (character) {
        counts.matchedByName += 1;
        if (character.guid && character.guid !== m.guid) {
          warnings.push(`${m.name}: the export's GUID ${m.guid} differs from the one on record (${character.guid}); the notes were applied by name.`);
        } else if (!character.guid) learnGuid = true;
      }
    }
    if (!character || claimed.has(character.id)) {
      counts.unmatched += 1;
      unmatched.push(m.name);
      continue;
    }
    claimed.add(character.id);
    const update: CharacterNoteUpdate = { characterId: character.id };
    if (learnGuid) {
      update.guid = m.guid;
      counts.guidsLearned += 1;
    }
    if (m.note !== (character.guildNote ?? '')) {
      update.guildNote = m.note;
      counts.guildNotesChanged += 1;
    }
    if (withOfficerNotes && m.officerNote !== undefined && m.officerNote !== (character.officerNote ?? '')) {
      update.officerNote = m.officerNote;
      counts.officerNotesChanged += 1;
    }
    if (Object.keys(update).length > 1) updates.push(update);
  }

  if (!withOfficerNotes) {
    warnings.unshift(
      `Officer notes are not in this export: ${exp.exporter.name} (rank ${exp.exporter.rankIndex}) cannot read them. The officer notes on record were kept; an officer's export brings them.`,
    );
  }
  if (unmatched.length > 0) {
    const some = unmatched.slice(0, 5).join(', ');
    warnings.push(
      `${unmatched.length} member${unmatched.length === 1 ? ' is' : 's are'} not on the synced roster yet (${some}${unmatched.length > 5 ? ', …' : ''}): their notes apply after the next roster sync and the next export.`,
    );
  }
  return { updates, counts, unmatched, warnings };
}
