/**
 * The officers' hand-kept Google Sheet, exported as two CSV files: the `DiscordIDs` tab (Discord name
 * → Discord user id) and the `Characters` sheet (Discord name, character, class, spec, role,
 * main/alt). Hand-kept means hand-typed: `None` where a cell is empty, one cell naming two accounts
 * (`Doublefly/Tickelly#7263`), guild tags in full-width brackets (`【PATT】Skate`). The import reports
 * every row it cannot use, with the row number the officer sees in the sheet, and never guesses:
 * names match exactly (but for case), and a look-alike is only ever offered as "did you mean".
 */
import { parse } from 'csv-parse/sync';
import { RealmIndex, exactNameKey, foldedNameKey, parseCharacterRef } from './names';

export type SheetTab = 'DiscordIDs' | 'Characters';

/** A whole file the import cannot read: not CSV, empty, or a needed column missing. */
export class SheetFormatError extends Error {
  override name = 'SheetFormatError';
}

export interface SheetProblem {
  sheet: SheetTab;
  /** The row number as the spreadsheet shows it: the header is row 1, the first data row is 2. */
  row: number;
  /** The row's cells as written (trimmed), so the officer recognises it. */
  cells: string[];
  /** A sentence an officer can act on, quoting the cell. */
  reason: string;
}

export interface SheetPlayerCharacter {
  row: number;
  characterId: number;
  name: string;
  realmSlug: string;
  /** true: the row says main (and is the player's first main); false: alt, or a second main; null: the sheet doesn't say. */
  isMain: boolean | null;
  className: string | null;
  spec: string | null;
  role: string | null;
}

export interface SheetPlayer {
  /** As written in the player's first DiscordIDs row. */
  discordName: string;
  discordUserId: string;
  memberId: number;
  /** The DiscordIDs rows that name this player (one Discord id may be listed under several names). */
  rows: number[];
  characters: SheetPlayerCharacter[];
  mainCharacterId: number | null;
}

export interface SheetRosterCharacter {
  id: number;
  name: string;
  realmSlug: string;
  /** false for a character that left the guild: still found (after those in the guild), so a former member's roles are checked. */
  inGuild?: boolean;
  /** Names before a rename: a sheet kept by hand lags renames. */
  previousNames?: readonly string[];
}

export interface SheetMember {
  id: number;
  discordUserId: string;
}

export interface SheetDiscordIdRow {
  row: number;
  discordName: string;
  discordUserId: string;
  /** The row as written, for problems found later (optional so callers may build rows by hand). */
  cells?: string[];
}

export interface SheetCharacterRow {
  row: number;
  discordName: string;
  character: string;
  className: string | null;
  spec: string | null;
  role: string | null;
  mainAlt: 'main' | 'alt' | null;
  cells?: string[];
}

export interface ParsedSheet {
  discordIds: SheetDiscordIdRow[];
  characters: SheetCharacterRow[];
  problems: SheetProblem[];
}

export interface SheetKnown {
  characters: SheetRosterCharacter[];
  members: SheetMember[];
  realms: RealmIndex;
  guildRealmSlug: string;
}

// ---------------------------------------------------------------------------------------------
// Reading the files

interface ColumnSpec {
  label: string;
  /** Header texts accepted for this column, most specific first (compared by headerKey). */
  accepted: string[];
  required: boolean;
}

const DISCORD_IDS_COLUMNS = {
  discordName: { label: 'Discord Name', accepted: ['discord name', 'discord', 'name', 'discord tag', 'discord username'], required: true },
  discordUserId: { label: 'Discord ID', accepted: ['discord id', 'user id', 'discord user id', 'id', 'snowflake'], required: true },
} satisfies Record<string, ColumnSpec>;

const CHARACTERS_COLUMNS = {
  discordName: { label: 'Discord Name', accepted: ['discord name', 'discord', 'player', 'discord tag'], required: true },
  character: { label: 'Character', accepted: ['character', 'char', 'name', 'character name'], required: true },
  className: { label: 'Class', accepted: ['class'], required: false },
  spec: { label: 'Spec', accepted: ['spec', 'specialization', 'specialisation'], required: false },
  role: { label: 'Role', accepted: ['role'], required: false },
  // Required: without it every main would silently become "unknown".
  mainAlt: { label: 'Main/Alt', accepted: ['main/alt', 'main or alt', 'type', 'main alt'], required: true },
} satisfies Record<string, ColumnSpec>;

/** "Main / Alt", "main_alt", "Discord  Name:" compare as "main/alt", "main alt", "discord name". */
function headerKey(header: string): string {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s*\/\s*/g, '/')
    .replace(/[\s_]+/g, ' ')
    .replace(/[:*]+$/, '')
    .trim();
}

interface Table<K extends string> {
  columns: Record<K, number | null>;
  width: number;
  rows: { row: number; cells: string[] }[];
}

function readTable<K extends string>(tab: SheetTab, csv: string, specs: Record<K, ColumnSpec>): Table<K> {
  const text = csv.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new SheetFormatError(`The ${tab} file is empty: export the ${tab} tab of the sheet as CSV.`);
  // The usual wrong downloads: the .xlsx itself, or a Google sign-in page instead of the export.
  if (text.startsWith('PK\u0003\u0004') || text.includes('\u0000')) {
    throw new SheetFormatError(`The ${tab} file is not CSV text (it looks like a spreadsheet file such as .xlsx): export the ${tab} tab as CSV.`);
  }
  if (/^\s*<(!doctype|html)/i.test(text)) {
    throw new SheetFormatError(`The ${tab} file is a web page, not CSV (is the sheet shared, and the export link right?): export the ${tab} tab as CSV.`);
  }

  let records: string[][];
  try {
    // Blank lines are kept as records so that record i is spreadsheet row i + 1.
    records = parse(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as string[][];
  } catch (err) {
    throw new SheetFormatError(`The ${tab} file is not valid CSV (${err instanceof Error ? err.message : String(err)}): export the ${tab} tab as CSV again.`);
  }

  const trimmed = records.map((r) => r.map((c) => c.trim()));
  const headerAt = trimmed.findIndex((r) => r.some((c) => c !== ''));
  if (headerAt < 0) throw new SheetFormatError(`The ${tab} file is empty: export the ${tab} tab of the sheet as CSV.`);
  const header = trimmed[headerAt];
  const keys = header.map(headerKey);

  const columns = {} as Record<K, number | null>;
  const missing: ColumnSpec[] = [];
  for (const [name, spec] of Object.entries(specs) as [K, ColumnSpec][]) {
    const at = spec.accepted.map((a) => keys.indexOf(a)).find((i) => i >= 0);
    columns[name] = at ?? null;
    if (at === undefined && spec.required) missing.push(spec);
  }
  if (missing.length > 0) {
    const found = header.filter((h) => h !== '').map((h) => `"${h.length > 40 ? `${h.slice(0, 40)}…` : h}"`);
    const wanted = missing.map((m) => `"${m.label}" (accepted headers: ${m.accepted.map((a) => `"${a}"`).join(', ')})`).join(' and ');
    throw new SheetFormatError(
      `The ${tab} file has no ${wanted} column; headers found in row ${headerAt + 1}: ${found.length > 0 ? found.slice(0, 20).join(', ') : 'none'}.`,
    );
  }

  const rows: Table<K>['rows'] = [];
  for (let i = headerAt + 1; i < trimmed.length; i++) {
    const cells = trimmed[i];
    if (cells.every((c) => c === '')) continue;
    // A short row reads as if its missing cells were empty.
    while (cells.length < header.length) cells.push('');
    rows.push({ row: i + 1, cells });
  }
  return { columns, width: header.length, rows };
}

const EMPTY_WORDS = new Set(['none', 'n/a', '-', '–', '—']);

/** The cell's text, or null when it is empty or says so in words (`None`, `N/A`, `-`). */
function cellValue(cells: string[], at: number | null): string | null {
  if (at === null) return null;
  const text = cells[at] ?? '';
  return text === '' || EMPTY_WORDS.has(text.toLowerCase()) ? null : text;
}

function quoted(cells: string[], at: number | null): string {
  const text = at === null ? '' : cells[at] ?? '';
  return text === '' ? '' : ` ("${text}")`;
}

/** `Doublefly/Tickelly#7263`, `A / B`, `A, B`, `A & B`: the parts, when a cell names more than one. */
function namedTwice(text: string): string[] | null {
  const parts = text
    .split(/\s*[/,&;|+]\s*/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts.length >= 2 ? parts : null;
}

function twoInOneCell(what: string, text: string, parts: string[]): string {
  return `${what} "${text}" names two characters or accounts in one cell (${parts.map((p) => `"${p}"`).join(', ')}): give each its own row`;
}

const SNOWFLAKE = /^\d{17,20}$/;

function badDiscordId(id: string): string {
  // Sheets turns long numbers into 1.23457E+17, losing the last digits for good.
  if (/^\d+(\.\d+)?e\+?\d+$/i.test(id)) {
    return `Discord ID "${id}" was turned into a number by the spreadsheet and lost its digits: format the column as plain text and paste the ID again`;
  }
  return `Discord ID "${id}" is not a Discord user ID (17–20 digits): copy it again from Discord (right-click the user → Copy User ID)`;
}

/** "Main", "MAIN", "Main Char" → main; "Alt", "Alt 1", "alt2" → alt; anything else: the sheet doesn't say. */
export function readMainAlt(text: string | null): 'main' | 'alt' | null {
  if (text === null) return null;
  if (/^main(?![\p{L}])/iu.test(text)) return 'main';
  if (/^alt(?![\p{L}])/iu.test(text)) return 'alt';
  return null;
}

/**
 * Both files read, row by row. Rows that cannot be used become problems here; whether the names
 * exist (on the server, on the roster) is for resolveSheet.
 */
export function parseSheet(input: { discordIdsCsv: string; charactersCsv: string }): ParsedSheet {
  const ids = readTable('DiscordIDs', input.discordIdsCsv, DISCORD_IDS_COLUMNS);
  const chars = readTable('Characters', input.charactersCsv, CHARACTERS_COLUMNS);
  const problems: SheetProblem[] = [];

  const discordIds: SheetDiscordIdRow[] = [];
  const byName = new Map<string, SheetDiscordIdRow>();
  for (const { row, cells } of ids.rows) {
    const { discordName: nameAt, discordUserId: idAt } = ids.columns;
    const name = cellValue(cells, nameAt);
    const id = cellValue(cells, idAt);
    const reasons: string[] = [];
    if (name === null) reasons.push(`Discord name is empty${quoted(cells, nameAt)}: write the Discord name, or delete the row`);
    else {
      const parts = namedTwice(name);
      if (parts) reasons.push(twoInOneCell('Discord name', name, parts));
    }
    if (id === null) reasons.push(`Discord ID is empty${quoted(cells, idAt)}: paste the user's ID (right-click the user in Discord → Copy User ID), or delete the row`);
    else if (!SNOWFLAKE.test(id)) reasons.push(badDiscordId(id));
    if (reasons.length > 0) {
      problems.push({ sheet: 'DiscordIDs', row, cells, reason: reasons.join('; ') });
      continue;
    }
    const entry: SheetDiscordIdRow = { row, discordName: name!, discordUserId: id!, cells };
    const earlier = byName.get(exactNameKey(entry.discordName));
    if (earlier) {
      // The same name twice with one id is a harmless copy; with two ids, the first row wins and the officer is told.
      if (earlier.discordUserId !== entry.discordUserId) {
        problems.push({
          sheet: 'DiscordIDs',
          row,
          cells,
          reason: `Discord name "${entry.discordName}" is listed twice with different IDs: row ${earlier.row} says ${earlier.discordUserId}, this row says ${entry.discordUserId}; row ${earlier.row} is used: delete the wrong row`,
        });
      }
      continue;
    }
    byName.set(exactNameKey(entry.discordName), entry);
    discordIds.push(entry);
  }

  const characters: SheetCharacterRow[] = [];
  for (const { row, cells } of chars.rows) {
    const c = chars.columns;
    const discordName = cellValue(cells, c.discordName);
    const character = cellValue(cells, c.character);
    const reasons: string[] = [];
    if (discordName === null) reasons.push(`Discord name is empty${quoted(cells, c.discordName)}${character ? `: write whose character "${character}" is` : ''}`);
    else {
      const parts = namedTwice(discordName);
      if (parts) reasons.push(twoInOneCell('Discord name', discordName, parts));
    }
    if (character === null) reasons.push(`character is empty${quoted(cells, c.character)}`);
    else {
      const parts = namedTwice(character);
      if (parts) reasons.push(twoInOneCell('Character', character, parts));
    }
    if (reasons.length > 0) {
      problems.push({ sheet: 'Characters', row, cells, reason: reasons.join('; ') });
      continue;
    }
    characters.push({
      row,
      discordName: discordName!,
      character: character!,
      className: cellValue(cells, c.className),
      spec: cellValue(cells, c.spec),
      role: cellValue(cells, c.role),
      mainAlt: readMainAlt(cellValue(cells, c.mainAlt)),
      cells,
    });
  }

  return { discordIds, characters, problems: sortProblems(problems) };
}

// ---------------------------------------------------------------------------------------------
// Resolving names to members and roster characters

const TAB_ORDER: Record<SheetTab, number> = { DiscordIDs: 0, Characters: 1 };

/** DiscordIDs first (it is read first), then by row; one row's problems keep their order. */
function sortProblems(problems: SheetProblem[]): SheetProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => TAB_ORDER[a.p.sheet] - TAB_ORDER[b.p.sheet] || a.p.row - b.p.row || a.i - b.i)
    .map(({ p }) => p);
}

const LEGACY_TAG = /^(.+)#(\d{4})$/u;
const BRACKETED = /[[(【「『〔《〈{][^\])】」』〕》〉}]*[\])】」』〕》〉}]/gu;

/**
 * How a name looks once full-width forms, accents, bracketed guild tags, spaces and a legacy #tag
 * are set aside: only ever used to say "did you mean", never to match.
 */
function lookAlikeKey(name: string): string {
  const stripped = name.normalize('NFKC').replace(BRACKETED, '').replace(/\s+/g, '');
  const tagless = LEGACY_TAG.exec(stripped)?.[1] ?? stripped;
  return foldedNameKey(tagless);
}

function characterCells(row: SheetCharacterRow): string[] {
  return row.cells ?? [row.discordName, row.character, row.className ?? '', row.spec ?? '', row.role ?? '', row.mainAlt ?? ''];
}

function discordIdCells(row: SheetDiscordIdRow): string[] {
  return row.cells ?? [row.discordName, row.discordUserId];
}

type Lookup = { entry: SheetDiscordIdRow } | { reason: string };

/** Finds a Characters row's Discord name in the DiscordIDs tab: exactly, or a legacy `Name#1234` by its tagless entry. */
function discordNameLookup(parsed: ParsedSheet): (name: string) => Lookup {
  const exact = new Map(parsed.discordIds.map((e) => [exactNameKey(e.discordName), e]));
  const taggedBases = new Set(parsed.discordIds.map((e) => LEGACY_TAG.exec(e.discordName)?.[1]).filter((b): b is string => !!b).map(exactNameKey));
  const lookAlikes = new Map<string, SheetDiscordIdRow[]>();
  for (const e of parsed.discordIds) {
    const key = lookAlikeKey(e.discordName);
    lookAlikes.set(key, [...(lookAlikes.get(key) ?? []), e]);
  }
  const rejected = parsed.problems.filter((p) => p.sheet === 'DiscordIDs');

  return (name) => {
    const key = exactNameKey(name);
    const found = exact.get(key);
    if (found) return { entry: found };
    const tag = LEGACY_TAG.exec(name.trim());
    // `Name#1234` may be written `Name` in DiscordIDs, unless another `Name#…` there makes that ambiguous.
    if (tag && !taggedBases.has(exactNameKey(tag[1]))) {
      const tagless = exact.get(exactNameKey(tag[1]));
      if (tagless) return { entry: tagless };
    }
    const unusable = rejected.find((p) => p.cells.some((cell) => cell !== '' && exactNameKey(cell) === key));
    if (unusable) {
      return { reason: `Discord name "${name}" has no usable Discord ID: DiscordIDs row ${unusable.row} names it but has a problem; fix that row first` };
    }
    const alikeKey = lookAlikeKey(name);
    const alike = alikeKey === '' ? [] : (lookAlikes.get(alikeKey) ?? []).filter((e) => exactNameKey(e.discordName) !== key);
    if (alike.length > 0) {
      const options = alike.map((e) => `'${e.discordName}' (row ${e.row})`).join(' or ');
      return {
        reason: `Discord name "${name}" is not in the DiscordIDs tab; did you mean ${options}? Full-width brackets/characters, accents and guild tags are not matched automatically: write the name exactly as in DiscordIDs`,
      };
    }
    return { reason: `Discord name "${name}" is not in the DiscordIDs tab: add it there with its Discord ID, or fix the spelling` };
  };
}

type CharacterLookup = { character: SheetRosterCharacter } | { reason: string };

/** Finds a Characters cell on the roster: `Name-Realm` on that realm; a bare name on the guild realm, else on its one other realm. */
function rosterLookup(known: SheetKnown): (cell: string) => CharacterLookup {
  const byName = new Map<string, SheetRosterCharacter[]>();
  const byFolded = new Map<string, SheetRosterCharacter[]>();
  // In-guild characters first, then departed ones; current names before previous ones.
  const ordered = [...known.characters].sort((a, b) => Number(b.inGuild !== false) - Number(a.inGuild !== false));
  const add = (key: string, c: SheetRosterCharacter) => {
    const list = byName.get(key) ?? [];
    if (!list.includes(c)) byName.set(key, [...list, c]);
  };
  for (const c of ordered) {
    add(exactNameKey(c.name), c);
    byFolded.set(foldedNameKey(c.name), [...(byFolded.get(foldedNameKey(c.name)) ?? []), c]);
  }
  for (const c of ordered) for (const old of c.previousNames ?? []) add(exactNameKey(old), c);
  const named = (c: SheetRosterCharacter) => `${c.name}-${c.realmSlug}`;

  const notOnRoster = (cell: string, name: string): string => {
    const alike = (byFolded.get(foldedNameKey(name)) ?? []).filter((c) => exactNameKey(c.name) !== exactNameKey(name));
    const hint = alike.length > 0 ? `; the roster has ${alike.map((c) => `"${named(c)}"`).join(', ')}, which is not matched automatically` : '';
    return `character "${cell}" is not on the guild roster (renamed, transferred or left?)${hint}`;
  };

  return (cell) => {
    const ref = parseCharacterRef(cell, known.realms, known.guildRealmSlug);
    if (ref.realmWritten !== null && ref.realmSlug === null) {
      return { reason: `character "${cell}": realm "${ref.realmWritten}" is not a realm of any roster character: check its spelling, or write the name alone for the guild's realm` };
    }
    const all = byName.get(exactNameKey(ref.name)) ?? [];
    // A name someone in the guild has now wins over a departed character or a former name.
    const current = all.filter((c) => c.inGuild !== false && exactNameKey(c.name) === exactNameKey(ref.name));
    const sameName = ref.realmWritten === null && current.length > 0 ? current : all;
    if (ref.realmWritten !== null) {
      const found = sameName.find((c) => c.realmSlug === ref.realmSlug);
      return found ? { character: found } : { reason: notOnRoster(cell, ref.name) };
    }
    const onGuildRealm = sameName.find((c) => c.realmSlug === known.guildRealmSlug);
    if (onGuildRealm) return { character: onGuildRealm };
    // Mains may live on other realms: a bare name found on exactly one of them is that character.
    if (sameName.length === 1) return { character: sameName[0] };
    if (sameName.length > 1) {
      const realmList = sameName.map((c) => c.realmSlug).join(', ');
      return { reason: `character "${cell}" is on several realms (${realmList}): write it Name-Realm (${sameName.map((c) => `"${named(c)}"`).join(' or ')})` };
    }
    return { reason: notOnRoster(cell, ref.name) };
  };
}

/**
 * The parsed sheet checked against what is known: DiscordIDs names → server members, character
 * cells → roster characters. Players come out in DiscordIDs order, one per Discord id; every row
 * that cannot be used is a problem.
 */
export function resolveSheet(parsed: ParsedSheet, known: SheetKnown): { players: SheetPlayer[]; problems: SheetProblem[] } {
  const problems: SheetProblem[] = [...parsed.problems];
  const memberById = new Map<string, SheetMember>();
  for (const m of known.members) if (!memberById.has(m.discordUserId)) memberById.set(m.discordUserId, m);

  // One player per Discord id, though DiscordIDs may list it under several names.
  const players = new Map<string, SheetPlayer>();
  for (const e of parsed.discordIds) {
    const member = memberById.get(e.discordUserId);
    if (!member) continue;
    const player = players.get(e.discordUserId);
    if (player) player.rows.push(e.row);
    else players.set(e.discordUserId, { discordName: e.discordName, discordUserId: e.discordUserId, memberId: member.id, rows: [e.row], characters: [], mainCharacterId: null });
  }

  const findDiscord = discordNameLookup(parsed);
  const findCharacter = rosterLookup(known);
  const entriesWithRows = new Set<SheetDiscordIdRow>();
  const claimedBy = new Map<number, { player: SheetPlayer; row: number }>();
  const mainRow = new Map<SheetPlayer, number>();

  for (const row of parsed.characters) {
    const problem = (reason: string) => problems.push({ sheet: 'Characters', row: row.row, cells: characterCells(row), reason });

    const discord = findDiscord(row.discordName);
    if ('reason' in discord) {
      problem(discord.reason);
      continue;
    }
    entriesWithRows.add(discord.entry);
    const player = players.get(discord.entry.discordUserId);
    if (!player) {
      problem(notOnServer(discord.entry));
      continue;
    }

    const found = findCharacter(row.character);
    if ('reason' in found) {
      problem(found.reason);
      continue;
    }
    const { character } = found;
    const claim = claimedBy.get(character.id);
    if (claim?.player === player) {
      problem(`character "${row.character}" is already listed for ${player.discordName} in row ${claim.row}: delete this row`);
      continue;
    }
    if (claim) {
      // Neither row wins: both are kept as suggestions, and the audit asks officers to settle it.
      problem(`character "${row.character}" is already claimed by ${claim.player.discordName} in row ${claim.row}: one character belongs to one player; both rows stay suggestions until an officer decides; delete the wrong row`);
    } else claimedBy.set(character.id, { player, row: row.row });

    let isMain = row.mainAlt === null ? null : row.mainAlt === 'main';
    if (isMain) {
      const kept = mainRow.get(player);
      if (kept === undefined) {
        mainRow.set(player, row.row);
        player.mainCharacterId = character.id;
      } else {
        // The row is still used, as an alt: a player has one main.
        problem(`second main for ${player.discordName}: row ${kept} is kept as main and "${row.character}" is taken as an alt; mark one of them Alt`);
        isMain = false;
      }
    }
    player.characters.push({
      row: row.row,
      characterId: character.id,
      name: character.name,
      realmSlug: character.realmSlug,
      isMain,
      className: row.className,
      spec: row.spec,
      role: row.role,
    });
  }

  // A DiscordIDs row no character row names: its id must still be a member to be of any use.
  for (const e of parsed.discordIds) {
    if (!entriesWithRows.has(e) && !memberById.has(e.discordUserId)) {
      problems.push({ sheet: 'DiscordIDs', row: e.row, cells: discordIdCells(e), reason: notOnServer(e) });
    }
  }

  return { players: [...players.values()], problems: sortProblems(problems) };
}

function notOnServer(e: SheetDiscordIdRow): string {
  return `Discord user ${e.discordUserId} (${e.discordName}) is not on the server: run a Discord sync first, or fix the id in DiscordIDs row ${e.row}`;
}
