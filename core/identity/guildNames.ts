import { RealmIndex, exactNameKey, type KnownRealm } from './names';
import { findNamedCharacter, lookAlikeIndexes, lookAlikes, mainEvidence, rosterByName, unknownMainEvidence, type RosterByName, type RosterCharacter } from './mains';
import { namesOf, type Evidence, type MatchMember, type NameCounts } from './matching';
import { readNotes, type NoteHint } from './notes';

/** What a character's notes say about who plays it, resolved against the roster, notes and Discord. */
export type NotesSay =
  | { kind: 'character'; targetId: number; evidence: Evidence }
  | { kind: 'keyed'; key: string; evidence: Evidence }
  | { kind: 'member'; memberId: number; evidence: Evidence }
  | { kind: 'unknown'; evidence: Evidence; lookAlikeIds: number[] }
  | { kind: 'none' };

const where = (source: NoteHint['source']) => (source === 'officer_note' ? 'officer note' : 'public note');
const label = (c: { name: string; realmSlug: string }) => `${c.name}-${c.realmSlug}`;

/**
 * Every name a guild goes by, on both sides, and what each character's notes say with them. Notes
 * name characters, players and Discord members alike: a name is read as a roster character first,
 * then as the word a player writes on all their characters ("Sho"), then as the name of exactly one
 * Discord member. The identity engine plans with it; the audit asks it which notes name a main who
 * is nowhere to be found, so both read notes the same way.
 */
export class GuildNames {
  readonly byName: RosterByName;
  readonly byFolded: Map<string, RosterCharacter[]>;
  readonly byLength: Map<number, RosterCharacter[]>;
  /** Present human members by every name key they go by. */
  readonly membersByKey = new Map<string, MatchMember[]>();
  /** Each character's note key, and the characters sharing each key. */
  readonly keyOf = new Map<number, { key: string; hint: NoteHint }>();
  readonly keyed = new Map<string, RosterCharacter[]>();
  readonly counts: NameCounts;
  private readonly realms: RealmIndex;
  private readonly hints = new Map<number, NoteHint[]>();
  private readonly said = new Map<number, NotesSay>();

  constructor(private readonly guild: { guildRealmSlug: string; realms: RealmIndex | KnownRealm[]; characters: RosterCharacter[]; members: MatchMember[] }) {
    this.realms = guild.realms instanceof RealmIndex ? guild.realms : new RealmIndex(guild.realms);
    this.byName = rosterByName(guild.characters);
    ({ byFolded: this.byFolded, byLength: this.byLength } = lookAlikeIndexes(guild.characters));
    for (const m of guild.members) {
      if (m.isBot) continue;
      for (const key of new Set(namesOf(m).names.map((n) => n.exactKey))) {
        const list = this.membersByKey.get(key);
        if (list) list.push(m);
        else this.membersByKey.set(key, [m]);
      }
    }
    // Note keys: the word a player writes on every character ("Sho"). A key that names a roster
    // character is read as that character instead.
    for (const c of guild.characters) {
      const h = this.hintsOf(c).find((x) => (x.kind === 'note_key' || x.kind === 'player_named') && !x.value.includes('-'));
      if (!h) continue;
      const key = exactNameKey(h.value);
      if (this.byName.has(key)) continue;
      this.keyOf.set(c.id, { key, hint: h });
      const list = this.keyed.get(key);
      if (list) list.push(c);
      else this.keyed.set(key, [c]);
    }
    const nameCount = new Map<string, number>();
    for (const c of guild.characters) {
      const ex = exactNameKey(c.name);
      nameCount.set(ex, (nameCount.get(ex) ?? 0) + 1);
      for (const old of c.previousNames ?? []) {
        const k = exactNameKey(old);
        if (k !== ex) nameCount.set(k, (nameCount.get(k) ?? 0) + 1);
      }
    }
    this.counts = {
      membersGoingBy: (k) => this.membersByKey.get(k)?.length ?? 0,
      charactersNamed: (k) => nameCount.get(k) ?? 0,
      charactersKeyed: (k) => this.keyed.get(k)?.length ?? 0,
    };
  }

  /** Each character's notes are read once. */
  hintsOf(c: RosterCharacter): NoteHint[] {
    let h = this.hints.get(c.id);
    if (!h) this.hints.set(c.id, (h = readNotes(c)));
    return h;
  }

  /** A key shared by characters that no two members go by stands for one player. */
  keyStandsForOnePlayer(key: string): boolean {
    return (this.keyed.get(key)?.length ?? 0) >= 2 && (this.membersByKey.get(key)?.length ?? 0) <= 1;
  }

  /** A name in a note: a roster character, else the word a player writes on their characters, else one Discord member. */
  private resolveName(c: RosterCharacter, h: NoteHint): NotesSay | null {
    const found = findNamedCharacter(h.value, c, this.byName, this.realms, this.guild.guildRealmSlug);
    if (found) return { kind: 'character', targetId: found.id, evidence: mainEvidence(h, found, h.kind === 'main_named' ? 0.9 : 0.8) };
    if (h.value.includes('-')) return null; // Name-Realm names a character, never a player
    const key = exactNameKey(h.value);
    const sharing = this.keyed.get(key)?.filter((x) => x.id !== c.id) ?? [];
    if (sharing.length > 0 && (this.membersByKey.get(key)?.length ?? 0) <= 1) {
      const whose = sharing.length === 1 ? label(sharing[0]!) : `${sharing.length} characters`;
      return { kind: 'keyed', key, evidence: { rule: 'player_named_in_note', source: h.source, weight: 0.85, text: `${where(h.source)} "${h.evidence}" names ${h.value}, the word the player writes on ${whose}`, fuzzy: false } };
    }
    const goingBy = this.membersByKey.get(key) ?? [];
    if (goingBy.length === 1) {
      return { kind: 'member', memberId: goingBy[0]!.id, evidence: { rule: 'player_named_in_note', source: h.source, weight: 0.85, text: `${where(h.source)} "${h.evidence}" names ${h.value}, who is @${goingBy[0]!.username} on Discord`, fuzzy: false } };
    }
    return null;
  }

  /** What a character's notes say about who plays it; the officer note is read first. */
  notesSay(c: RosterCharacter): NotesSay {
    const known = this.said.get(c.id);
    if (known) return known;
    let s: NotesSay = { kind: 'none' };
    let unknown: NotesSay | null = null;
    for (const h of this.hintsOf(c)) {
      if (h.kind !== 'main_named' && h.kind !== 'player_named') continue;
      // "Athnyhals alt": a possessive without its apostrophe names Athnyhal when only the stem is someone.
      const stem = h.kind === 'main_named' && /[^s]s$/iu.test(h.value) && h.value.length >= 4 ? { ...h, value: h.value.slice(0, -1) } : null;
      const resolved = this.resolveName(c, h) ?? (stem ? this.resolveName(c, stem) : null);
      if (resolved) {
        s = resolved;
        break;
      }
      // A player name that is not anywhere (yet) is not a missing main; a named main is.
      if (h.kind === 'main_named' && !unknown && (this.membersByKey.get(exactNameKey(h.value))?.length ?? 0) === 0) {
        unknown = { kind: 'unknown', evidence: unknownMainEvidence(h), lookAlikeIds: lookAlikes(h.value, c, this.byFolded, this.byLength).map((x) => x.id) };
      }
    }
    if (s.kind === 'none' && unknown) s = unknown;
    this.said.set(c.id, s);
    return s;
  }

  /** Notes of in-guild characters naming a main nobody is: on the roster, in the notes, or on Discord. */
  unknownMains(inGuild: (c: RosterCharacter) => boolean): { character: RosterCharacter; evidence: Evidence; didYouMean: RosterCharacter[] }[] {
    const out: { character: RosterCharacter; evidence: Evidence; didYouMean: RosterCharacter[] }[] = [];
    const byId = new Map(this.guild.characters.map((c) => [c.id, c]));
    for (const c of this.guild.characters) {
      if (!inGuild(c)) continue;
      const s = this.notesSay(c);
      if (s.kind === 'unknown') out.push({ character: c, evidence: s.evidence, didYouMean: s.lookAlikeIds.map((id) => byId.get(id)!) });
    }
    return out;
  }
}
