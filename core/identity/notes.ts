/**
 * What a guild or officer note says about who plays a character, in the formats guilds really use
 * (and those the LibAlts library reads). Each hint carries the words that produced it, so a link can
 * show its evidence. Whether a named main exists is for the matcher to check against the roster; this
 * module only reads the note.
 */
import { exactNameKey } from './names';

export type NoteHintKind =
  /**
   * The note says this character is an alt of X (X is the main, or the player): "alt of X", "X's alt",
   * "X alt", "Xs <class>", "X's DK", "main: X", and LibAlts' "ALT(X)", "ALT: X", "ALT X", "alt-X", "A:X", "=X".
   */
  | 'main_named'
  /** The note names the player by another name, maybe a nick: "AKA X", "[X]", "(X)", "@X", a lone "X". */
  | 'player_named'
  /** The first word names the player (the guild's note key: "Sho" on every Shodoom character). */
  | 'note_key'
  /** A Discord handle: "Discord: handle", "DC: handle", "Disc: handle", "discord handle", "name#1234", "mike.trog". */
  | 'discord_handle';

export interface NoteHint {
  kind: NoteHintKind;
  /** The name or handle, as written (trimmed, without @, brackets or a possessive 's). */
  value: string;
  /** The part of the note that says so. */
  evidence: string;
  source: 'officer_note' | 'guild_note';
}

/**
 * The note as plain text: colour codes (|cFFrrggbb…|r, and GRM's upper-case |CFF…|R), named colours
 * (|cnNAME:…|r), links (|H…|h[text]|h), textures (|T…|t, |A…|a) and newlines (|n), in any case.
 * "||" is the game's escaped pipe: it stays one "|".
 */
export function plainNote(note: string): string {
  return note
    .normalize('NFC')
    .replace(/\|\|/g, '\u0001')
    .replace(/\|H[^|]*\|h(.*?)\|h/gi, '$1')
    .replace(/\|T[^|]*\|t/gi, '')
    .replace(/\|A[^|]*\|a/gi, '')
    .replace(/\|c(?:[0-9a-f]{8}|n[^:|]*:)/gi, '')
    .replace(/\|r/gi, '')
    .replace(/\|n/gi, ' ')
    .replace(/\u0001/g, '|')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Class and spec words, as players write them after a possessive ("Trogs hunter", "Mike's resto
 * druid alt"). Never names in a note.
 */
const CLASS_WORDS = [
  'demon hunter', 'death knight', 'beast mastery',
  'warrior', 'warr', 'war', 'paladin', 'pally', 'pala', 'pallies', 'hunter', 'hunt', 'rogue', 'priest', 'shaman', 'shammy', 'sham',
  'mage', 'warlock', 'lock', 'monk', 'druid', 'dh', 'dk', 'evoker', 'evo',
  'resto', 'restoration', 'holy', 'disc', 'discipline', 'prot', 'protection', 'ret', 'retribution', 'bm', 'mm', 'marks', 'surv', 'survival',
  'enh', 'enhance', 'enhancement', 'ele', 'elemental', 'boomy', 'boomkin', 'balance', 'feral', 'guardian', 'brew', 'brewmaster', 'mw', 'mistweaver',
  'ww', 'windwalker', 'aff', 'affli', 'affliction', 'demo', 'demonology', 'destro', 'destruction', 'arcane', 'fire', 'frost', 'unholy',
  'blood', 'havoc', 'veng', 'vengeance', 'dev', 'deva', 'devastation', 'pres', 'preservation', 'aug', 'augmentation', 'shadow', 'sub',
  'subtlety', 'sin', 'assa', 'assassination', 'outlaw', 'arms', 'fury',
];
/** The class words as one alternation, longest first so "demon hunter" wins over "hunt". */
const CLASS = `(?:${[...CLASS_WORDS].sort((a, b) => b.length - a.length).map((w) => w.replace(/ /g, '\\s+')).join('|')})s?`;

/** Words officers write in notes that never name a player or a main. */
const NOT_NAMES = new Set(
  [
    // Prepositions and filler.
    'on in at to for from with the my his her our their its of is are was be a an and or but not no yes by as also only same see too',
    'this that it he she they him them me you your will can just any all some',
    // Guild words.
    'guild bank banker gbank raid raider raiders raids raiding trial trials social casual pvp pve mythic heroic normal alt alts',
    'alternate main mains officer officers member members recruit recruits inactive away afk new old none n/a na todo tbd tbc unknown ?',
    'gm leader lead core bench reserve backup pug pugs guest friend friends family rank char character toon account twink',
    'crafter crafting crafts prof profs profession professions gold farm farmer farming mog transmog leveling levelling level lvl',
    'ilvl rio score keys key pusher pushing horde alliance needs wants ok okay ask check note notes',
    'joined left returned returning back kicked promoted demoted invited invite moved vacation holiday break hiatus leave',
    'discord disc dc aka tag handle name username nick nickname server voice chat',
    // Roles.
    'tank tanks healer healers heals heal dps melee ranged caster support',
    // Days and months (trial and vacation notes are full of them).
    'monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays',
    'mon tue tues wed thu thurs fri sat sun january february march april june july august september october november december',
    'feb mar apr jun jul aug sep sept oct nov dec',
    // Classes and specs, and the words of the two-word ones.
    CLASS_WORDS.join(' '),
    'demon death knight beast mastery warriors paladins hunters rogues priests shamans mages warlocks monks druids evokers',
  ]
    .join(' ')
    .split(' '),
);

/**
 * A word that never names a player, in notes or Discord names: filler, guild, role, day and class
 * words. Case and a possessive 's do not matter.
 */
export function notAName(word: string): boolean {
  return NOT_NAMES.has(withoutPossessive(word).toLocaleLowerCase('en-US'));
}

const APOS = "'’‘`´";
/** A name as people type it: letters of any script (then digits), apostrophes only inside (Zul'jin). */
const NAME = `\\p{L}[\\p{L}\\p{M}\\p{N}]*(?:[${APOS}][\\p{L}\\p{M}\\p{N}]+)*`;
/** "Kazgor-AlteracMountains": the game writes realms without spaces after a hyphen. */
const NAME_REALM = `${NAME}(?:-\\p{L}[\\p{L}\\p{M}\\p{N}]*(?:[${APOS}][\\p{L}\\p{M}\\p{N}]+)*)?`;
/** A name does not start inside a word, a handle or a realm suffix. */
const START = `(?<![\\p{L}\\p{M}\\p{N}_${APOS}.@#\\-])`;
/** …and does not stop inside one: "mike" is not a name in "mike_trog", "mike.trog" or "mike#1234". */
const END = `(?![\\p{L}\\p{M}\\p{N}_@#]|[.${APOS}\\-][\\p{L}\\p{N}])`;
/** A word such as "alt" or "main" standing on its own. */
const W = (word: string) => `(?<![\\p{L}\\p{N}_])${word}(?![\\p{L}\\p{N}_])`;
/** A Discord handle after a label: anything up to a space or a separator (legacy names had any character). */
const HANDLE = `[^\\s\\0,;|()\\[\\]<>"/]{2,37}`;

interface Format {
  kind: NoteHintKind;
  re: RegExp;
  /** The value from a match, or null when this match says nothing (default: the first group, checked as a name). */
  pick?: (m: RegExpMatchArray) => string | null;
}
const rx = (source: string, flags = 'giu') => new RegExp(source, flags);

/**
 * The formats, most explicit first; once a format has read part of a note, the others do not read it
 * again. Explicit alt formats are main_named: they say "alt", so X is the main (or its player).
 * The bare forms "(X)", "[X]", "@X" and "AKA X" are player_named: guilds use them for a player's nick
 * as often as for a main's name, so only Discord names, not the roster, can confirm them.
 */
const FORMATS: Format[] = [
  // Discord, labelled: "Discord: x", "DC: x", "Disc - @x", "discord name: x", "discord x". "Disc" and "DC"
  // need the colon: "Disc priest" is a spec.
  { kind: 'discord_handle', re: rx(`${W('(?:discord|disc|dc)')}(?:\\s*(?:name|handle|id|tag|user(?:name)?))?\\s*[:=\\-]\\s*@?(${HANDLE})`), pick: (m) => handle(m[1]!) },
  { kind: 'discord_handle', re: rx(`${W('discord')}(?:\\s+(?:name|handle|id|tag|user(?:name)?|is))?\\s+@?(${HANDLE})`), pick: (m) => handle(m[1]!) },
  // A legacy tag anywhere: "Trog#1234" (the discriminator is kept: it is part of the handle).
  { kind: 'discord_handle', re: rx(`(?<![^\\s(\\[,;|/:\\0])@?([^\\s\\0#@,;|()\\[\\]<>:/"]{2,32}#\\d{4})(?!\\d)`), pick: (m) => handle(m[1]!) },
  // A new-style username on its own: lower case with a dot or underscore ("mike.trog", "sk8_er").
  { kind: 'discord_handle', re: rx(`(?<![^\\s(\\[,;|/\\0])@?([a-z0-9_.]{2,32})(?![^\\s)\\],;|/\\0])`, 'gu'), pick: (m) => (bareUsername(m[1]!) ? m[1]! : null) },

  { kind: 'main_named', re: rx(`${W('alt')}\\s+(?:of|to|for)(?:\\s*:)?\\s+@?(${NAME_REALM})${END}`) },
  { kind: 'main_named', re: rx(`${W('main')}(?:\\s+(?:char|character|toon))?\\s*(?:is\\s+|[:=\\-]\\s*)@?(${NAME_REALM})${END}`) },
  { kind: 'main_named', re: rx(`${W('alt')}\\s*[(\\[]\\s*@?(${NAME_REALM})\\s*[)\\]]`) },
  // "Trogs hunter", "Rocket's DH", "Mikes resto druid alt", "Trog dk alt": the class says whose character it is.
  { kind: 'main_named', re: rx(`${START}(${NAME_REALM})\\s+${CLASS}(?:\\s+${CLASS})*(\\s+alt)?(?![\\p{L}\\p{N}_])`), pick: (m) => ownerOf(m[1]!, m[2] !== undefined) },
  // "Trogmoon alt", "Trogmoon's alt", "Zatañña’s alt". Read before "alt X": in "Trog alt Mike" Trog is the main.
  { kind: 'main_named', re: rx(`${START}(${NAME_REALM})\\s+alt(?![\\p{L}\\p{N}_])`) },
  // LibAlts: "ALT: X", "ALT X", "alt-X", "ALT = X".
  { kind: 'main_named', re: rx(`${W('alt')}\\s*(?:[:=\\-]\\s*|\\s+)@?(${NAME_REALM})${END}`) },
  // LibAlts: "A:X", "A: X" ("A" alone: "AKA:" is not it).
  { kind: 'main_named', re: rx(`${W('a')}\\s*:\\s*@?(${NAME_REALM})${END}`) },
  // LibAlts: "=X", "= X", at the start or after a separator ("rank = X" says nothing).
  { kind: 'main_named', re: rx(`(?:^|(?<=[,;|(\\[/\\0]))\\s*=\\s*@?(${NAME_REALM})${END}`) },

  { kind: 'player_named', re: rx(`${W('a\\.?k\\.?a\\.?')}\\s*[:=\\-]?\\s*@?(${NAME_REALM})${END}`) },
  { kind: 'player_named', re: rx(`\\[\\s*@?(${NAME_REALM})\\s*\\]`) },
  { kind: 'player_named', re: rx(`\\(\\s*@?(${NAME_REALM})\\s*\\)`) },
  { kind: 'player_named', re: rx(`(?<![^\\s(\\[,;|/\\0])@(${NAME_REALM})${END}`) },
];

const LONE = rx(`^@?(${NAME_REALM})$`, 'u');
const FIRST_WORD = rx(`^(${NAME})${END}`, 'u');
/** What is left around the formats read: separators and punctuation say nothing. */
const LEFTOVER_EDGES = /^[\s\0|/,;:.!\-–—•*~"]+|[\s\0|/,;:.!\-–—•*~"]+$/gu;

/**
 * The hints of one note, strongest format first. The officer note is read before the public note by
 * the caller (officers keep it accurate; players write the public one).
 */
export function readNote(note: string | null | undefined, source: NoteHint['source']): NoteHint[] {
  if (!note) return [];
  const text = plainNote(note);
  if (text === '') return [];
  const hints: NoteHint[] = [];
  const seen = new Set<string>();
  const add = (kind: NoteHintKind, value: string, evidence: string): boolean => {
    // Names are one hint whatever the format; a handle may repeat a name ("Trog alt, discord trog").
    const key = kind === 'discord_handle' ? `@${value.toLowerCase()}` : exactNameKey(value);
    if (seen.has(key)) return true;
    seen.add(key);
    hints.push({ kind, value, evidence: evidence.trim(), source });
    return true;
  };

  // What the formats have read is blanked out with NULs (same length, so positions still match the
  // text; not spaces, so no later format reads across it: "alt Discord: trog Bob" does not name Bob).
  let rest = text;
  for (const f of FORMATS) {
    const read: [number, number][] = [];
    for (const m of rest.matchAll(f.re)) {
      const value = f.pick ? f.pick(m) : plausibleName(m[1]!);
      if (value === null) continue;
      add(f.kind, value, m[0]);
      read.push([m.index!, m.index! + m[0].length]);
    }
    for (const [from, to] of read) rest = rest.slice(0, from) + '\0'.repeat(to - from) + rest.slice(to);
  }

  // A note that is one name ("Trogmoon") names the player or the main.
  const leftover = rest.replace(LEFTOVER_EDGES, '');
  const lone = LONE.exec(leftover);
  const loneName = lone ? plausibleName(lone[1]!) : null;
  if (lone && loneName) {
    add('player_named', loneName, lone[0]);
    return hints;
  }
  // The guild's note key: the note's first word, when nothing else has read it. Only a capitalised
  // word: notes start with lower-case verbs and status words ("joined 2024-03-01", "pushing keys").
  const first = FIRST_WORD.exec(text);
  if (first && rest.startsWith(first[1]!) && !lone && startsUpper(first[1]!)) {
    const key = plausibleName(first[1]!);
    if (key) add('note_key', key, first[0]);
  }
  return hints;
}

/** The name a format captured, without a possessive, or null when it is not a plausible name. */
function plausibleName(captured: string): string | null {
  const value = withoutPossessive(captured.trim());
  const [name, realm] = value.split('-');
  // One or two characters are markers ("A:", "DK"), not names; but one Han or Hangul character is a
  // syllable, and two of them are a whole name (트롤, 小明).
  const least = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]+$/u.test(name ?? '') ? 2 : 3;
  if (!name || (name.match(/[\p{L}\p{N}]/gu) ?? []).length < least || name.length > 24) return null;
  if (notAName(name) || (realm !== undefined && notAName(realm))) return null;
  return value;
}

/**
 * "Trogs hunter" → Trog, "Rocket's DH" → Rocket, "Trog dk alt" → Trog. A bare "Trog hunter" says
 * nothing (it may be the character's own description). A name ending in s before a class loses the
 * s: players drop the apostrophe far more often than names end in s.
 */
function ownerOf(word: string, saysAlt: boolean): string | null {
  if (new RegExp(`[${APOS}]s$`, 'iu').test(word)) return plausibleName(word);
  if (!word.includes('-') && /[^s]s$/iu.test(word)) return plausibleName(word.slice(0, -1));
  return saysAlt ? plausibleName(word) : null;
}

/** A handle after a Discord label, or null when the label is followed by nothing ("Discord: none", "DC: ?"). */
function handle(value: string): string | null {
  const clean = value.replace(/^@/, '').replace(/[,;:!?]+$/u, '');
  if (!/[\p{L}\p{N}]/u.test(clean) || NOT_NAMES.has(clean.toLowerCase())) return null;
  return clean;
}

/** Top-level domains: "raider.io" or "wowprogress.com" in a note is a site, not a username. */
const DOMAINS = new Set(['com', 'io', 'gg', 'net', 'org', 'tv', 'us', 'eu', 'co', 'me', 'app', 'link']);

/** A Discord username of the new kind written on its own: "mike.trog", "sk8_er"; not "i.e", "raider.io". */
function bareUsername(token: string): boolean {
  if (!/[._]/.test(token) || (token.match(/[a-z]/g) ?? []).length < 2) return false;
  if (token.startsWith('.') || token.endsWith('.') || token.includes('..')) return false;
  const segments = token.split(/[._]/);
  if (segments.every((s) => s.length <= 1)) return false;
  if (token.includes('.') && DOMAINS.has(token.slice(token.lastIndexOf('.') + 1))) return false;
  return !NOT_NAMES.has(token);
}

function startsUpper(word: string): boolean {
  const c = word[0]!;
  // Scripts without case (CJK, Korean) count as capitalised.
  return c !== c.toLocaleLowerCase('en-US') || c === c.toLocaleUpperCase('en-US');
}

/** "Rocket's" → "Rocket": names keep inner apostrophes (Zul'jin) but not a possessive. */
function withoutPossessive(value: string): string {
  return value.replace(new RegExp(`[${APOS}]s$`, 'iu'), '').replace(new RegExp(`[${APOS}]$`, 'u'), '');
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
