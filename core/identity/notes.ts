/**
 * What a guild or officer note says about who plays a character, in the formats guilds really use.
 * Each hint carries the words that produced it, so a link can show its evidence. Whether a named
 * main exists is for the matcher to check against the roster; this module only reads the note.
 */

export type NoteHintKind =
  /** The note names this character's main: "alt of X", "X's alt", "ALT: X", "X alt", "main: X". */
  | 'main_named'
  /** The note names the player by another name: "AKA X", "[X]", "(X)", "@X", a lone "X". */
  | 'player_named'
  /** The first word names the player (the guild's note key): "Sho", "Rocket's DH". */
  | 'note_key'
  /** A Discord handle: "Discord: handle", "DC: handle", "Disc: handle". */
  | 'discord_handle';

export interface NoteHint {
  kind: NoteHintKind;
  /** The name or handle, as written (trimmed, without @ or brackets). */
  value: string;
  /** The part of the note that says so. */
  evidence: string;
  source: 'officer_note' | 'guild_note';
}

/** Colour codes (|cFFrrggbb…|r), links (|H…|h[text]|h) and textures (|T…|t) the game allows in notes. */
export function plainNote(note: string): string {
  return note
    .replace(/\|H[^|]*\|h(.*?)\|h/g, '$1')
    .replace(/\|T[^|]*\|t/g, '')
    .replace(/\|c[0-9a-fA-F]{8}/g, '')
    .replace(/\|r/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A character or player name as people type it: letters (any script), digits, apostrophes. */
const NAME = "[\\p{L}][\\p{L}\\p{M}\\p{N}'’]{1,23}";
const NAME_REALM = `${NAME}(?:-[\\p{L}][\\p{L}\\p{N}'’]*)?`;
const WORDS_NOT_NAMES = new Set(['alt', 'alts', 'main', 'mains', 'bank', 'banker', 'aka', 'of', 'the', 'my', 'is', 'a', 'an', 'and', 'or', 'tank', 'healer', 'dps', 'raider', 'trial', 'social', 'officer', 'member', 'discord', 'dc', 'disc', 'none', 'n/a', 'na', 'todo', 'inactive', 'new']);

/** [kind, pattern]: the first capture group is the name. Order: most explicit first. */
const PATTERNS: [NoteHintKind, RegExp][] = [
  ['discord_handle', /\b(?:discord|disc|dc)\s*[:=\-]\s*@?([^\s,;|()[\]]{2,37})/iu],
  ['main_named', new RegExp(`\\balt\\s+of\\s+@?(${NAME_REALM})`, 'iu')],
  ['main_named', new RegExp(`\\balt\\s*[:=\\-]\\s*@?(${NAME_REALM})`, 'iu')],
  ['main_named', new RegExp(`\\bmain\\s*(?:is|[:=\\-])\\s*@?(${NAME_REALM})`, 'iu')],
  ['main_named', new RegExp(`(?:^|\\s)(${NAME_REALM})['’]s?\\s+alt\\b`, 'iu')],
  ['main_named', new RegExp(`(?:^|\\s)(${NAME_REALM})\\s+alt\\b`, 'iu')],
  ['player_named', new RegExp(`\\baka\\s+@?(${NAME})`, 'iu')],
  ['player_named', new RegExp(`\\[(${NAME})\\]`, 'u')],
  ['player_named', new RegExp(`\\((${NAME})\\)`, 'u')],
  ['player_named', new RegExp(`(?:^|\\s)@(${NAME})`, 'u')],
];

/**
 * The hints of one note. The officer note is read before the public note by the caller (officers
 * keep it accurate; players write the public one).
 */
export function readNote(note: string | null | undefined, source: NoteHint['source']): NoteHint[] {
  if (!note) return [];
  const text = plainNote(note);
  if (text === '' || /^(none|n\/a|-+)$/i.test(text)) return [];
  const hints: NoteHint[] = [];
  const seen = new Set<string>();
  const add = (kind: NoteHintKind, value: string, evidence: string) => {
    const clean = withoutPossessive(value);
    if (kind !== 'discord_handle' && WORDS_NOT_NAMES.has(clean.toLowerCase())) return;
    const key = `${kind}:${clean.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    hints.push({ kind, value: clean, evidence: evidence.trim(), source });
  };

  let rest = text;
  for (const [kind, pattern] of PATTERNS) {
    const m = pattern.exec(rest);
    if (!m) continue;
    add(kind, m[1]!, m[0]);
    // A Discord handle is not a character name: keep it out of what the other patterns read.
    if (kind === 'discord_handle') rest = rest.replace(m[0], ' ');
  }
  const remaining = rest.trim();
  // A note that is one name ("Trogmoon") names the player or main.
  const lone = new RegExp(`^@?(${NAME_REALM})$`, 'u').exec(remaining);
  if (lone) add('player_named', lone[1]!, lone[0]);
  // The guild's note key: the first word names the player ("Sho", "Rocket's DH").
  const first = new RegExp(`^(${NAME})(?:['’]s)?(?=\\s|$)`, 'u').exec(remaining);
  // Only when the first word is not already a hint of its own ("Trogmoon's alt" names a main).
  const firstName = first ? withoutPossessive(first[1]!).toLowerCase() : undefined;
  if (first && !lone && !hints.some((h) => h.value.toLowerCase() === firstName)) add('note_key', first[1]!, first[0]);
  return hints;
}

/** "Rocket's" → "Rocket": names keep inner apostrophes (Zul'jin) but not a possessive. */
function withoutPossessive(value: string): string {
  return value.replace(/['’]s$/iu, '').replace(/['’]$/u, '');
}

/**
 * Hints of a character's officer note, then its public note. Guilds reuse a few note texts
 * ("Main", "Alt of Trogmoon") across thousands of members: recent answers are remembered (the
 * hints are shared, so callers must not change them).
 */
export function readNotes(notes: { officerNote?: string | null; guildNote?: string | null }): NoteHint[] {
  const key = `${notes.officerNote ?? ''}\u0000${notes.guildNote ?? ''}`;
  let hints = recentNotes.get(key);
  if (!hints) {
    if (recentNotes.size >= 100_000) recentNotes.clear();
    hints = [...readNote(notes.officerNote, 'officer_note'), ...readNote(notes.guildNote, 'guild_note')];
    recentNotes.set(key, hints);
  }
  return hints;
}
const recentNotes = new Map<string, NoteHint[]>();
