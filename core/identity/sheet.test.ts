/**
 * The officers' sheet import. The fixture test/fixtures/sheet/*.csv is a small guild export: the five
 * officers and their characters, plus the kinds of rows hand-kept sheets really contain. Row numbers
 * are the spreadsheet's (header = row 1). The fixture roster and members are `roster` and `members`
 * below.
 *
 * DiscordIDs.csv (saved with a UTF-8 BOM and CRLF line endings, as Excel does; a quoted Notes cell
 * with a comma; the Notes column is ignored):
 *   rows 2–8  Trog, Mito, Rocket, Shodoom, Skate, 小龍, Brewbeard: good
 *   row 9     `Doublefly/Tickelly#7263`: names two accounts in one cell
 *   row 10    `None` as the Discord name: empty
 *   row 11    Kazgor with `None` as the ID: empty
 *   row 12    Trog again with another ID: listed twice with different IDs (row 2 is used)
 *   row 13    Mito again with the same ID: a harmless copy, no problem
 *   row 14    blank: skipped, no problem
 *   row 15    Vexxa `1.23457E+17`: the spreadsheet turned the ID into a number
 *   row 16    Ghosty: not on the server, and no Characters rows, so the problem is on this row
 *   row 17    Leftguy: not on the server; the problem is on its Characters row (20)
 *
 * Characters.csv (CRLF line endings; quoted cells with commas, e.g. `"Alt, bank"`):
 *   rows 2–13 the officers' mains and alts, 小龍's Xiaolong, and `Brewbeard#4411` (a legacy tag
 *             matching the tagless DiscordIDs row 8); `Skatealt` (row 11) is bare but only on
 *             Tichondrius, so it is that one
 *   row 14    `Doublefly/Tickelly#7263`: names two accounts in one cell
 *   row 15    `None` as the Discord name: empty
 *   row 16    `【PATT】Skate`: not in DiscordIDs; did you mean 'Skate' (row 6)?
 *   row 17    `Ｓｋａｔｅ` (full-width): not in DiscordIDs; did you mean 'Skate' (row 6)?
 *   row 18    Oldtoon: not on the guild roster
 *   row 19    Felbreaker: on two realms (alterac-mountains, sargeras), none the guild's
 *   row 20    Leftguy's Leftguychar: Discord user 666418095517319168 is not on the server (DiscordIDs row 17)
 *   row 21    Shodoom claims Trogtotem: already claimed by Trog in row 3
 *   row 22    Trogalt marked Main: second main for Trog, row 2 is kept (Trogalt is still used, as an alt)
 *   row 23    Skatepet-Nowhere: unknown realm "Nowhere"
 *   row 24    blank: skipped, no problem
 *   row 25    Kazgor: its DiscordIDs row (11) has a problem, so it has no usable ID
 *   row 26    `Tickelly & Doublefly` as the character: names two characters in one cell
 *   row 27    Dícoz: not on the roster, which has Dìcoz (accents are not matched)
 */
import fs from 'node:fs';
import path from 'node:path';
import { RealmIndex } from './names';
import { SheetFormatError, parseSheet, readMainAlt, resolveSheet, type ParsedSheet, type SheetMember, type SheetRosterCharacter } from './sheet';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'sheet');
const fixture = {
  discordIdsCsv: fs.readFileSync(path.join(FIXTURES, 'DiscordIDs.csv'), 'utf8'),
  charactersCsv: fs.readFileSync(path.join(FIXTURES, 'Characters.csv'), 'utf8'),
};

const realms = new RealmIndex([
  { slug: 'senjin', name: "Sen'jin" },
  { slug: 'alterac-mountains', name: 'Alterac Mountains' },
  { slug: 'sargeras', name: 'Sargeras' },
  { slug: 'bleeding-hollow', name: 'Bleeding Hollow' },
  { slug: 'tichondrius', name: 'Tichondrius' },
]);

const roster: SheetRosterCharacter[] = (
  [
    ['Trogmoon', 'senjin'],
    ['Trogtotem', 'senjin'],
    ['Pattbank', 'senjin'],
    ['Pattvault', 'senjin'],
    ['Bloodvalor', 'alterac-mountains'],
    ['Zatañña', 'sargeras'],
    ['Zatanna', 'senjin'],
    ['Shodoom', 'bleeding-hollow'],
    ['Skatefarm', 'tichondrius'],
    ['Skatealt', 'tichondrius'],
    ['Xiaolong', 'senjin'],
    ['Brewbeard', 'senjin'],
    ['Felbreaker', 'alterac-mountains'],
    ['Felbreaker', 'sargeras'],
    ['Leftguychar', 'senjin'],
    ['Trogalt', 'senjin'],
    ['Kazgor', 'sargeras'],
    ['Doublefly', 'senjin'],
    ['Grimlock', 'senjin'],
    ['Skatebank', 'senjin'],
    ['Skatemage', 'senjin'],
    ['Dìcoz', 'senjin'],
  ] as const
).map(([name, realmSlug], i) => ({ id: i + 1, name, realmSlug }));

const idOf = (name: string, realmSlug: string): number => {
  const c = roster.find((r) => r.name === name && r.realmSlug === realmSlug);
  if (!c) throw new Error(`no ${name}-${realmSlug} in the test roster`);
  return c.id;
};

const SNOWFLAKES = {
  Trog: '174662930015682560',
  Mito: '203418895517319168',
  Rocket: '289311457802403840',
  Shodoom: '311067413040742400',
  Skate: '158422093613531136',
  小龍: '402197651920846848',
  Brewbeard: '418852297404596224',
};
// On the server: everyone in SNOWFLAKES; not Ghosty (row 16) nor Leftguy (row 17).
const members: SheetMember[] = Object.values(SNOWFLAKES).map((discordUserId, i) => ({ id: 101 + i, discordUserId }));
const known = { characters: roster, members, realms, guildRealmSlug: 'senjin' };

/** A tiny sheet inline: one CSV text per tab. */
const sheet = (discordIds: string[], characters: string[]) => ({
  discordIdsCsv: ['Discord Name,Discord ID', ...discordIds].join('\n'),
  charactersCsv: ['Discord Name,Character,Class,Spec,Role,Main/Alt', ...characters].join('\n'),
});
const resolveInline = (discordIds: string[], characters: string[], k = known) => resolveSheet(parseSheet(sheet(discordIds, characters)), k);
const officerIds = Object.entries(SNOWFLAKES).map(([name, id]) => `${name},${id}`);

describe('the fixture sheet', () => {
  const parsed = parseSheet(fixture);
  const { players, problems } = resolveSheet(parsed, known);
  const player = (discordName: string) => players.find((p) => p.discordName === discordName);

  it.each([
    ['Trog', 'Trogmoon', 'senjin', ['Trogtotem', 'Pattbank', 'Pattvault', 'Trogalt']],
    ['Mito', 'Bloodvalor', 'alterac-mountains', []],
    ['Rocket', 'Zatañña', 'sargeras', ['Zatanna']],
    // Row 21 gives Trogtotem to Shodoom too: kept, as a suggestion beside Trog's row, for officers to settle.
    ['Shodoom', 'Shodoom', 'bleeding-hollow', ['Trogtotem']],
    ['Skate', 'Skatefarm', 'tichondrius', ['Skatealt']],
  ])('officer %s has the main %s-%s and the alts %j', (discordName, mainName, mainRealm, alts) => {
    const p = player(discordName);
    expect(p).toBeDefined();
    expect(p!.discordUserId).toBe(SNOWFLAKES[discordName as keyof typeof SNOWFLAKES]);
    expect(p!.mainCharacterId).toBe(idOf(mainName, mainRealm));
    expect(p!.characters.filter((c) => c.isMain).map((c) => c.name)).toEqual([mainName]);
    expect(p!.characters.filter((c) => !c.isMain).map((c) => c.name)).toEqual(alts);
  });

  it('makes one player per Discord id on the server, in DiscordIDs order, with where each came from', () => {
    expect(players.map((p) => [p.discordName, p.memberId, p.rows])).toEqual([
      ['Trog', 101, [2]],
      ['Mito', 102, [3]],
      ['Rocket', 103, [4]],
      ['Shodoom', 104, [5]],
      ['Skate', 105, [6]],
      ['小龍', 106, [7]],
      ['Brewbeard', 107, [8]],
    ]);
    expect(player('Trog')!.characters.map((c) => c.row)).toEqual([2, 3, 4, 5, 22]);
  });

  it('keeps the accented main and the unaccented alt apart, and the class, spec and role as written', () => {
    expect(player('Rocket')!.characters).toEqual([
      { row: 7, characterId: idOf('Zatañña', 'sargeras'), name: 'Zatañña', realmSlug: 'sargeras', isMain: true, className: 'Demon Hunter', spec: 'Havoc', role: 'DPS' },
      { row: 8, characterId: idOf('Zatanna', 'senjin'), name: 'Zatanna', realmSlug: 'senjin', isMain: false, className: 'Priest', spec: 'Discipline', role: 'Healer' },
    ]);
    // `None`, `N/A` and `-` are empty cells; "Alt, bank" (quoted, with a comma) is an alt.
    expect(player('Trog')!.characters.find((c) => c.name === 'Pattbank')).toMatchObject({ isMain: false, spec: null, role: null });
    expect(player('Trog')!.characters.find((c) => c.name === 'Pattvault')).toMatchObject({ isMain: false, spec: null, role: null });
  });

  it('matches a CJK Discord name exactly, and a legacy Name#1234 tag to its tagless DiscordIDs row', () => {
    expect(player('小龍')).toMatchObject({ discordUserId: SNOWFLAKES['小龍'], mainCharacterId: idOf('Xiaolong', 'senjin') });
    expect(player('Brewbeard')).toMatchObject({ mainCharacterId: idOf('Brewbeard', 'senjin'), characters: [{ row: 13 }] });
  });

  it('reports every unusable row once, with the row number an officer sees, sorted by tab then row', () => {
    expect(problems.map((p) => [p.sheet, p.row])).toEqual([
      ['DiscordIDs', 9],
      ['DiscordIDs', 10],
      ['DiscordIDs', 11],
      ['DiscordIDs', 12],
      ['DiscordIDs', 15],
      ['DiscordIDs', 16],
      ['Characters', 14],
      ['Characters', 15],
      ['Characters', 16],
      ['Characters', 17],
      ['Characters', 18],
      ['Characters', 19],
      ['Characters', 20],
      ['Characters', 21],
      ['Characters', 22],
      ['Characters', 23],
      ['Characters', 25],
      ['Characters', 26],
      ['Characters', 27],
    ]);
  });

  it.each([
    ['DiscordIDs', 9, 'Discord name "Doublefly/Tickelly#7263" names two characters or accounts in one cell ("Doublefly", "Tickelly#7263"): give each its own row'],
    ['DiscordIDs', 10, 'Discord name is empty ("None")'],
    ['DiscordIDs', 11, 'Discord ID is empty ("None")'],
    ['DiscordIDs', 12, 'Discord name "Trog" is listed twice with different IDs: row 2 says 174662930015682560, this row says 999418095517319168; row 2 is used'],
    ['DiscordIDs', 15, 'Discord ID "1.23457E+17" was turned into a number by the spreadsheet'],
    ['DiscordIDs', 16, 'Discord user 555418095517319168 (Ghosty) is not on the server: run a Discord sync first, or fix the id in DiscordIDs row 16'],
    ['Characters', 14, 'Discord name "Doublefly/Tickelly#7263" names two characters or accounts in one cell'],
    ['Characters', 15, 'Discord name is empty ("None"): write whose character "Grimlock" is'],
    ['Characters', 16, `Discord name "【PATT】Skate" is not in the DiscordIDs tab; did you mean 'Skate' (row 6)? Full-width brackets/characters`],
    ['Characters', 17, `Discord name "Ｓｋａｔｅ" is not in the DiscordIDs tab; did you mean 'Skate' (row 6)? Full-width brackets/characters`],
    ['Characters', 18, 'character "Oldtoon" is not on the guild roster (renamed, transferred or left?)'],
    ['Characters', 19, 'character "Felbreaker" is on several realms (alterac-mountains, sargeras): write it Name-Realm'],
    ['Characters', 20, 'Discord user 666418095517319168 (Leftguy) is not on the server: run a Discord sync first, or fix the id in DiscordIDs row 17'],
    ['Characters', 21, 'character "Trogtotem" is already claimed by Trog in row 3'],
    ['Characters', 22, 'second main for Trog: row 2 is kept as main'],
    ['Characters', 23, 'realm "Nowhere"'],
    ['Characters', 25, 'Discord name "Kazgor" has no usable Discord ID: DiscordIDs row 11'],
    ['Characters', 26, 'Character "Tickelly & Doublefly" names two characters or accounts in one cell ("Tickelly", "Doublefly"): give each its own row'],
    ['Characters', 27, 'character "Dícoz" is not on the guild roster (renamed, transferred or left?); the roster has "Dìcoz-senjin", which is not matched automatically'],
  ])('%s row %i: %s', (tab, row, reason) => {
    const p = problems.find((q) => q.sheet === tab && q.row === row);
    expect(p?.reason).toContain(reason);
  });

  it('shows each problem row as written, so the officer recognises it', () => {
    expect(problems.find((p) => p.sheet === 'Characters' && p.row === 16)!.cells).toEqual(['【PATT】Skate', 'Skatebank', 'Mage', 'Frost', 'DPS', 'Alt', '']);
    expect(problems.find((p) => p.sheet === 'DiscordIDs' && p.row === 11)!.cells).toEqual(['Kazgor', 'None', 'asked for it, no reply yet']);
  });

  it('reads the BOM and CRLF export as if it were plain text, and is deterministic', () => {
    expect(fixture.discordIdsCsv.startsWith('\uFEFF')).toBe(true);
    expect(fixture.charactersCsv).toContain('\r\n');
    const plain = parseSheet({ discordIdsCsv: fixture.discordIdsCsv.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n'), charactersCsv: fixture.charactersCsv.replace(/\r\n/g, '\n') });
    expect(plain).toEqual(parsed);
    expect(parsed.discordIds[0]).toMatchObject({ row: 2, discordName: 'Trog', discordUserId: SNOWFLAKES.Trog });
    expect(resolveSheet(parseSheet(fixture), known)).toEqual({ players, problems });
  });
});

describe('parseSheet', () => {
  it.each([
    ['Discord Name,Discord ID'],
    ['discord,user id'],
    ['Name,Snowflake'],
    ['Discord, ID ,Notes'],
    ['Notes,DISCORD NAME,Discord ID'],
  ])('accepts the DiscordIDs header %j', (header) => {
    const cols = header.split(',').map((h) => h.trim().toLowerCase());
    const row = cols.map((h) => (h === 'notes' ? 'x' : h.includes('id') || h === 'snowflake' ? SNOWFLAKES.Mito : 'Mito')).join(',');
    const parsed = parseSheet({ discordIdsCsv: `${header}\n${row}`, charactersCsv: 'Player,Char,Type\n' });
    expect(parsed.discordIds).toEqual([expect.objectContaining({ row: 2, discordName: 'Mito', discordUserId: SNOWFLAKES.Mito })]);
    expect(parsed.problems).toEqual([]);
  });

  it.each([
    ['Discord Name,Character,Class,Spec,Role,Main/Alt', 'Mito,Bloodvalor,Paladin,Protection,Tank,Main'],
    ['Player,Char,Type', 'Mito,Bloodvalor,Main'],
    ['Discord,Name,Main or Alt,Role', 'Mito,Bloodvalor,main,Tank'],
    ['Main / Alt,Character,Discord Name', 'MAIN,Bloodvalor,Mito'],
  ])('accepts the Characters header %j (class, spec and role are optional)', (header, row) => {
    const parsed = parseSheet({ discordIdsCsv: 'Discord Name,Discord ID\n', charactersCsv: `${header}\n${row}` });
    expect(parsed.characters).toEqual([expect.objectContaining({ row: 2, discordName: 'Mito', character: 'Bloodvalor', mainAlt: 'main' })]);
  });

  it.each([
    ['a Characters file without a character column', sheet([], []).discordIdsCsv, 'Discord Name,Class,Spec,Main/Alt\nMito,Paladin,Holy,Main', ['Characters', '"Character"', '"Discord Name", "Class", "Spec", "Main/Alt"']],
    ['a Characters file without a main/alt column', sheet([], []).discordIdsCsv, 'Discord Name,Character,Class\n', ['Characters', '"Main/Alt"', '"Discord Name", "Character", "Class"']],
    ['a DiscordIDs file without an ID column', 'Discord Name,Notes\nTrog,GM', sheet([], []).charactersCsv, ['DiscordIDs', '"Discord ID"', '"Discord Name", "Notes"']],
    ['a DiscordIDs file that is empty', '\uFEFF\r\n', sheet([], []).charactersCsv, ['DiscordIDs', 'empty']],
    ['a Characters file with an unclosed quote', sheet([], []).discordIdsCsv, 'Discord Name,Character,Main/Alt\nMito,"Bloodvalor,Main', ['Characters', 'not valid CSV']],
    ['an .xlsx saved as .csv', 'PK\u0003\u0004\u0000\u0000junk', sheet([], []).charactersCsv, ['DiscordIDs', '.xlsx']],
    ['a sign-in page instead of the export', '<!DOCTYPE html><html>', sheet([], []).charactersCsv, ['DiscordIDs', 'web page']],
  ])('refuses %s, saying which file and why', (_what, discordIdsCsv, charactersCsv, words) => {
    let error: unknown;
    try {
      parseSheet({ discordIdsCsv, charactersCsv });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SheetFormatError);
    for (const w of words) expect((error as Error).message).toContain(w);
  });

  it('strips the BOM, reads CRLF, trims cells and skips blank rows without shifting row numbers', () => {
    const parsed = parseSheet({
      discordIdsCsv: `\uFEFFDiscord Name,Discord ID\r\n  Trog , ${SNOWFLAKES.Trog}\r\n,\r\n\r\nMito,${SNOWFLAKES.Mito}\r\n`,
      charactersCsv: 'Discord Name,Character,Class,Spec,Role,Main/Alt\r\n\r\nTrog,Trogmoon\r\n',
    });
    expect(parsed.discordIds.map((e) => [e.row, e.discordName, e.discordUserId])).toEqual([
      [2, 'Trog', SNOWFLAKES.Trog],
      [5, 'Mito', SNOWFLAKES.Mito],
    ]);
    // A short row reads with empty cells.
    expect(parsed.characters).toEqual([{ row: 3, discordName: 'Trog', character: 'Trogmoon', className: null, spec: null, role: null, mainAlt: null, cells: ['Trog', 'Trogmoon', '', '', '', ''] }]);
    expect(parsed.problems).toEqual([]);
  });

  it('reads quoted cells with commas and quotes as one cell', () => {
    const parsed = parseSheet({
      discordIdsCsv: `Discord Name,Discord ID,Notes\n"Rocket",${SNOWFLAKES.Rocket},"Officer, raid leader"\nBob "the" Builder,${SNOWFLAKES.Mito},`,
      charactersCsv: 'Discord Name,Character,Class,Spec,Role,Main/Alt\nRocket,Zatanna,Priest,"Discipline, Holy",Healer,"Alt, healer"',
    });
    expect(parsed.discordIds.map((e) => e.discordName)).toEqual(['Rocket', 'Bob "the" Builder']);
    expect(parsed.characters[0]).toMatchObject({ spec: 'Discipline, Holy', mainAlt: 'alt' });
  });

  it.each([
    ['Main', 'main'],
    ['MAIN', 'main'],
    ['Main Char', 'main'],
    ['main-raider', 'main'],
    ['Alt', 'alt'],
    ['alt', 'alt'],
    ['Alt 1', 'alt'],
    ['Alt2', 'alt'],
    ['Alt, bank', 'alt'],
    ['Bank', null],
    ['Mainly healer', null],
    ['Alternate', null],
    [null, null],
  ])('reads the main/alt cell %j as %j', (cell, expected) => {
    expect(readMainAlt(cell)).toBe(expected);
  });

  it.each([
    ['None', 'Discord name is empty ("None")'],
    ['n/a', 'Discord name is empty ("n/a")'],
    ['-', 'Discord name is empty ("-")'],
  ])('reports a DiscordIDs name written %j as empty', (cell, reason) => {
    const parsed = parseSheet(sheet([`${cell},${SNOWFLAKES.Trog}`], []));
    expect(parsed.discordIds).toEqual([]);
    expect(parsed.problems).toEqual([{ sheet: 'DiscordIDs', row: 2, cells: [cell, SNOWFLAKES.Trog], reason: expect.stringContaining(reason) }]);
  });

  it.each([
    ['Trog', 'Discord ID is empty'],
    ['Trog,None', 'Discord ID is empty ("None")'],
    ['Trog,12345', 'Discord ID "12345" is not a Discord user ID (17–20 digits)'],
    ['Trog,123456789012345678901', 'Discord ID "123456789012345678901" is not a Discord user ID'],
    ['Trog,<@174662930015682560>', 'Discord ID "<@174662930015682560>" is not a Discord user ID'],
    ['Trog,1.74663E+17', 'Discord ID "1.74663E+17" was turned into a number'],
  ])('reports the DiscordIDs row %j', (row, reason) => {
    const parsed = parseSheet(sheet([row], []));
    expect(parsed.discordIds).toEqual([]);
    expect(parsed.problems).toEqual([expect.objectContaining({ sheet: 'DiscordIDs', row: 2, reason: expect.stringContaining(reason) })]);
  });

  it('reports the same name with a second ID on the later row, naming both rows, and keeps a plain copy quietly', () => {
    const parsed = parseSheet(sheet([`Trog,${SNOWFLAKES.Trog}`, `Mito,${SNOWFLAKES.Mito}`, `trog,${SNOWFLAKES.Skate}`, `Mito,${SNOWFLAKES.Mito}`], []));
    expect(parsed.discordIds.map((e) => e.row)).toEqual([2, 3]);
    expect(parsed.problems).toEqual([
      expect.objectContaining({ sheet: 'DiscordIDs', row: 4, reason: expect.stringMatching(/"trog" is listed twice with different IDs: row 2 says 174662930015682560, this row says 158422093613531136; row 2 is used/) }),
    ]);
  });

  it.each([
    ['Doublefly/Tickelly#7263', 'Doublefly', '("Doublefly", "Tickelly#7263")'],
    ['Doublefly / Tickelly', 'Doublefly', '("Doublefly", "Tickelly")'],
    ['Doublefly, Tickelly', 'Doublefly', '("Doublefly", "Tickelly")'],
    ['Doublefly & Tickelly', 'Doublefly', '("Doublefly", "Tickelly")'],
    ['Doublefly', 'Doublefly/Tickelly', '("Doublefly", "Tickelly")'],
    ['Doublefly', 'Doublefly, Tickelly', '("Doublefly", "Tickelly")'],
  ])('reports a Characters row naming two in one cell: %j / %j', (discordName, character, parts) => {
    const parsed = parseSheet(sheet([], [`"${discordName}","${character}",Warlock,,,Main`]));
    expect(parsed.characters).toEqual([]);
    expect(parsed.problems).toEqual([expect.objectContaining({ sheet: 'Characters', row: 2, reason: expect.stringContaining(`names two characters or accounts in one cell ${parts}: give each its own row`) })]);
  });

  it('reports empty Discord names and characters in Characters, and keeps None out of class, spec and role', () => {
    const parsed = parseSheet(sheet([], ['None,Grimlock,Warrior,,,Main', 'Trog,,,,,Alt', 'Trog,Pattvault,None,N/A,-,Alt']));
    expect(parsed.problems.map((p) => [p.row, p.reason])).toEqual([
      [2, 'Discord name is empty ("None"): write whose character "Grimlock" is'],
      [3, 'character is empty'],
    ]);
    expect(parsed.characters).toEqual([expect.objectContaining({ row: 4, className: null, spec: null, role: null, mainAlt: 'alt' })]);
  });
});

describe('resolveSheet', () => {
  it('finds Discord names exactly but for case, CJK names included', () => {
    const { players, problems } = resolveInline([`小龍,${SNOWFLAKES['小龍']}`, `Trog,${SNOWFLAKES.Trog}`], ['小龍,Xiaolong,Monk,,,Main', 'TROG,Trogmoon,,,,Main']);
    expect(problems).toEqual([]);
    expect(players.map((p) => [p.discordName, p.mainCharacterId])).toEqual([
      ['小龍', idOf('Xiaolong', 'senjin')],
      ['Trog', idOf('Trogmoon', 'senjin')],
    ]);
  });

  it.each([
    ['the same tag', ['Brewbeard#4411'], 'Brewbeard#4411', null],
    ['the tagless name, when only that is listed', ['Brewbeard'], 'Brewbeard#4411', null],
    ['no other tag', ['Brewbeard#1111'], 'Brewbeard#4411', `did you mean 'Brewbeard#1111' (row 2)?`],
    ['no tagless name when another tag is listed too', ['Brewbeard#1111', 'Brewbeard'], 'Brewbeard#4411', `did you mean 'Brewbeard#1111' (row 2) or 'Brewbeard' (row 3)?`],
    ['no tag the sheet does not write', ['Brewbeard#4411'], 'Brewbeard', `did you mean 'Brewbeard#4411' (row 2)?`],
  ])('matches a legacy Name#1234 tag to %s', (_what, listed, written, reason) => {
    const { problems } = resolveInline(
      listed.map((n) => `${n},${SNOWFLAKES.Brewbeard}`),
      [`${written},Brewbeard,Monk,,,Main`],
    );
    if (reason === null) expect(problems).toEqual([]);
    else expect(problems).toEqual([expect.objectContaining({ sheet: 'Characters', row: 2, reason: expect.stringContaining(reason) })]);
  });

  it.each([
    ['【PATT】Skate', 'Skate'],
    ['[PATT] Skate', 'Skate'],
    ['Ｓｋａｔｅ', 'Skate'],
    ['Skåte', 'Skate'],
    ['Skate', '【PATT】Skate'],
    ['小龍', '小龍#0001'],
  ])('never matches %j to the look-alike %j, but asks "did you mean"', (written, listed) => {
    const { players, problems } = resolveInline([`${listed},${SNOWFLAKES.Skate}`], [`${written},Skatefarm-Tichondrius,Hunter,,,Main`]);
    expect(players).toEqual([expect.objectContaining({ discordName: listed, characters: [] })]);
    expect(problems).toEqual([
      expect.objectContaining({
        sheet: 'Characters',
        row: 2,
        reason: `Discord name "${written}" is not in the DiscordIDs tab; did you mean '${listed}' (row 2)? Full-width brackets/characters, accents and guild tags are not matched automatically: write the name exactly as in DiscordIDs`,
      }),
    ]);
  });

  it('says plainly when a Discord name is nowhere in DiscordIDs', () => {
    const { problems } = resolveInline([], ['Nobody,Trogmoon,,,,Main']);
    expect(problems.map((p) => p.reason)).toEqual(['Discord name "Nobody" is not in the DiscordIDs tab: add it there with its Discord ID, or fix the spelling']);
  });

  it.each([
    ['a bare name on the guild realm', 'Zatanna', idOf('Zatanna', 'senjin')],
    ['Name-Realm as the game writes it', 'Zatañña-Sargeras', idOf('Zatañña', 'sargeras')],
    ['Name-Realm with the realm name', 'Bloodvalor-Alterac Mountains', idOf('Bloodvalor', 'alterac-mountains')],
    ['Name-Realm with the slug', 'Shodoom-bleeding-hollow', idOf('Shodoom', 'bleeding-hollow')],
    ['a bare name on exactly one other realm', 'Skatefarm', idOf('Skatefarm', 'tichondrius')],
    ['a bare name in other case', 'zatañña', idOf('Zatañña', 'sargeras')],
  ])('finds the character by %s', (_what, cell, id) => {
    const { players, problems } = resolveInline(officerIds, [`Rocket,${cell},,,,Main`]);
    expect(problems).toEqual([]);
    expect(players.find((p) => p.discordName === 'Rocket')!.mainCharacterId).toBe(id);
  });

  it.each([
    ['Felbreaker', 'character "Felbreaker" is on several realms (alterac-mountains, sargeras): write it Name-Realm ("Felbreaker-alterac-mountains" or "Felbreaker-sargeras")'],
    ['Oldtoon', 'character "Oldtoon" is not on the guild roster (renamed, transferred or left?)'],
    ['Zatanna-Sargeras', 'character "Zatanna-Sargeras" is not on the guild roster (renamed, transferred or left?); the roster has "Zatañña-sargeras", which is not matched automatically'],
    ['Dícoz', 'character "Dícoz" is not on the guild roster (renamed, transferred or left?); the roster has "Dìcoz-senjin"'],
    ['Skatepet-Nowhere', 'character "Skatepet-Nowhere": realm "Nowhere" is not a realm of any roster character'],
  ])('reports the character %j', (cell, reason) => {
    const { players, problems } = resolveInline(officerIds, [`Mito,${cell},,,,Alt`]);
    expect(players.find((p) => p.discordName === 'Mito')!.characters).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ sheet: 'Characters', row: 2, reason: expect.stringContaining(reason) })]);
  });

  it('reports a Discord id that is not a member on every character row, or on the DiscordIDs row when it has none', () => {
    const ghost = '555418095517319168';
    const left = '666418095517319168';
    const { players, problems } = resolveInline([`Trog,${SNOWFLAKES.Trog}`, `Ghosty,${ghost}`, `Leftguy,${left}`], ['Leftguy,Leftguychar,,,,Main', 'Leftguy,Trogalt,,,,Alt']);
    expect(players.map((p) => p.discordName)).toEqual(['Trog']);
    expect(problems.map((p) => [p.sheet, p.row, p.reason])).toEqual([
      ['DiscordIDs', 3, `Discord user ${ghost} (Ghosty) is not on the server: run a Discord sync first, or fix the id in DiscordIDs row 3`],
      ['Characters', 2, `Discord user ${left} (Leftguy) is not on the server: run a Discord sync first, or fix the id in DiscordIDs row 4`],
      ['Characters', 3, `Discord user ${left} (Leftguy) is not on the server: run a Discord sync first, or fix the id in DiscordIDs row 4`],
    ]);
  });

  it('makes a player of a member with no Characters rows, without a main', () => {
    const { players, problems } = resolveInline([`Mito,${SNOWFLAKES.Mito}`], []);
    expect(problems).toEqual([]);
    expect(players).toEqual([{ discordName: 'Mito', discordUserId: SNOWFLAKES.Mito, memberId: 102, rows: [2], characters: [], mainCharacterId: null }]);
  });

  it('leaves the main unknown when no row says main', () => {
    const { players } = resolveInline([`Trog,${SNOWFLAKES.Trog}`], ['Trog,Trogmoon,,,,', 'Trog,Trogtotem,,,,Alt', 'Trog,Pattbank,,,,Bank']);
    expect(players[0].mainCharacterId).toBeNull();
    expect(players[0].characters.map((c) => [c.name, c.isMain])).toEqual([
      ['Trogmoon', null],
      ['Trogtotem', false],
      ['Pattbank', null],
    ]);
  });

  it('keeps the first main and uses a second one as an alt, telling the officer', () => {
    const { players, problems } = resolveInline([`Trog,${SNOWFLAKES.Trog}`], ['Trog,Trogtotem,,,,Alt', 'Trog,Trogmoon,,,,Main', 'Trog,Trogalt,,,,Main']);
    expect(players[0].mainCharacterId).toBe(idOf('Trogmoon', 'senjin'));
    expect(players[0].characters.map((c) => [c.name, c.isMain])).toEqual([
      ['Trogtotem', false],
      ['Trogmoon', true],
      ['Trogalt', false],
    ]);
    expect(problems).toEqual([expect.objectContaining({ sheet: 'Characters', row: 4, reason: expect.stringContaining('second main for Trog: row 3 is kept as main') })]);
  });

  it('keeps both claims of a character by two players (neither wins: officers settle it), and reports each repeat', () => {
    const { players, problems } = resolveInline(officerIds, ['Trog,Trogtotem,,,,Alt', 'Shodoom,Trogtotem-Senjin,,,,Alt', 'Trog,trogtotem,,,,Alt']);
    expect(players.find((p) => p.discordName === 'Trog')!.characters.map((c) => c.row)).toEqual([2]);
    expect(players.find((p) => p.discordName === 'Shodoom')!.characters.map((c) => [c.row, c.name])).toEqual([[3, 'Trogtotem']]);
    expect(problems.map((p) => [p.row, p.reason])).toEqual([
      [3, expect.stringContaining('character "Trogtotem-Senjin" is already claimed by Trog in row 2')],
      [4, expect.stringContaining('character "trogtotem" is already listed for Trog in row 2')],
    ]);
  });

  it('makes one player of one Discord id listed under two names', () => {
    const { players, problems } = resolveInline([`Brewbeard,${SNOWFLAKES.Brewbeard}`, `Brewbeard#4411,${SNOWFLAKES.Brewbeard}`], ['Brewbeard#4411,Brewbeard,,,,Main', 'Brewbeard,Doublefly,,,,Alt']);
    expect(problems).toEqual([]);
    expect(players).toEqual([expect.objectContaining({ discordName: 'Brewbeard', rows: [2, 3], mainCharacterId: idOf('Brewbeard', 'senjin') })]);
    expect(players[0].characters.map((c) => c.name)).toEqual(['Brewbeard', 'Doublefly']);
  });

  it('says which DiscordIDs row to fix when a name is there but unusable', () => {
    const { problems } = resolveInline(['Kazgor,None', 'Vexxa,12345'], ['Kazgor,Kazgor-Sargeras,,,,Main', 'vexxa,Felbreaker-Sargeras,,,,Main']);
    expect(problems.map((p) => [p.sheet, p.row, p.reason])).toEqual([
      ['DiscordIDs', 2, expect.stringContaining('Discord ID is empty ("None")')],
      ['DiscordIDs', 3, expect.stringContaining('Discord ID "12345"')],
      ['Characters', 2, 'Discord name "Kazgor" has no usable Discord ID: DiscordIDs row 2 names it but has a problem; fix that row first'],
      ['Characters', 3, 'Discord name "vexxa" has no usable Discord ID: DiscordIDs row 3 names it but has a problem; fix that row first'],
    ]);
  });

  it('accepts a sheet built by hand, without the cells as written', () => {
    const parsed: ParsedSheet = {
      discordIds: [{ row: 2, discordName: 'Trog', discordUserId: SNOWFLAKES.Trog }],
      characters: [{ row: 2, discordName: 'Trog', character: 'Oldtoon', className: null, spec: null, role: null, mainAlt: 'alt' }],
      problems: [],
    };
    expect(resolveSheet(parsed, known).problems).toEqual([expect.objectContaining({ row: 2, cells: ['Trog', 'Oldtoon', '', '', '', 'alt'] })]);
  });
});
