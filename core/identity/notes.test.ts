import { notAName, plainNote, readNote, readNotes, type NoteHint } from './notes';

const hints = (note: string) => readNote(note, 'guild_note').map((h) => [h.kind, h.value]);

type Expected = [NoteHint['kind'], string][];
const main = (x: string): Expected => [['main_named', x]];
const player = (x: string): Expected => [['player_named', x]];
const key = (x: string): Expected => [['note_key', x]];
const discord = (x: string): Expected => [['discord_handle', x]];

describe('reading notes', () => {
  it.each<[string, Expected]>([
    // The note names the player.
    ['Trogmoon', player('Trogmoon')],
    ['trogmoon', player('trogmoon')],
    ['Sho', player('Sho')],
    ['- Trogmoon -', player('Trogmoon')],
    ['Zatañña', player('Zatañña')],

    // "X alt", "X's alt", "X’s alt".
    ["Trogmoon's alt", main('Trogmoon')],
    ['Trogmoon’s alt', main('Trogmoon')],
    ['Shodoom alt', main('Shodoom')],
    ['shodoom ALT', main('shodoom')],
    ["Zul'jin's alt", main("Zul'jin")],
    ["Zatañña's alt", main('Zatañña')],
    ['Kazgor-AlteracMountains alt', main('Kazgor-AlteracMountains')],
    ['Bank alt', []],
    ['Raid alt', []],
    ['my alt', []],

    // "Xs <class>", "X's <class>", "<class> alt".
    ['Trogs hunter', main('Trog')],
    ['Mikes dk', main('Mike')],
    ['Rockets DH', main('Rocket')],
    ["Rocket's DH", main('Rocket')],
    ['Mikes resto druid alt', main('Mike')],
    ['Trogs demon hunter', main('Trog')],
    ['Trog dk alt', main('Trog')],
    ["Rocket’s evo", main('Rocket')],
    ['Zatañña’s boomy', main('Zatañña')],
    ['Trog hunter', key('Trog')],
    ['Frost dk alt', []],

    // "alt of X", "main: X".
    ['alt of Zatañña', main('Zatañña')],
    ['Alt of Kazgor-AlteracMountains', main('Kazgor-AlteracMountains')],
    ["alt of Zul'jin", main("Zul'jin")],
    ['alt of: Trogmoon', main('Trogmoon')],
    ['트롤 alt', main('트롤')],
    ['ЗАТАННА alt', main('ЗАТАННА')],
    ['ALT OF TROGMOON', main('TROGMOON')],
    ['Hunter alt of Trogmoon', main('Trogmoon')],
    ['main: Skatefarm', main('Skatefarm')],
    ['Main is Bloodvalor', main('Bloodvalor')],
    ['main = Mito-Senjin', main('Mito-Senjin')],
    ['main is on vacation', []],
    ['Main: yes', []],

    // LibAlts: explicit alt formats name the main.
    ['ALT: Bloodvalor', main('Bloodvalor')],
    ['ALT(Trogmoon)', main('Trogmoon')],
    ['ALT (Trogmoon)', main('Trogmoon')],
    ['ALT Trogmoon', main('Trogmoon')],
    ['alt-Trogmoon', main('Trogmoon')],
    ['alt-Kazgor-AlteracMountains', main('Kazgor-AlteracMountains')],
    ['A:Trogmoon', main('Trogmoon')],
    ['A: Trogmoon', main('Trogmoon')],
    ['=Trogmoon', main('Trogmoon')],
    ['= Trogmoon', main('Trogmoon')],
    ['Officer alt Trogmoon', main('Trogmoon')],
    ['alt for raids', []],
    ['Alt Tuesdays', []],
    ['A: DK', []],

    // LibAlts: bare forms name the player, maybe by a nick.
    ['AKA Mike', player('Mike')],
    ['AKA: Mike', player('Mike')],
    ['a.k.a. Mike', player('Mike')],
    ['[Rocket]', player('Rocket')],
    ['(Mito)', player('Mito')],
    ['@Skate', player('Skate')],
    ['Druid (Mito)', player('Mito')],
    ['(bank)', []],

    // The guild's note key: the first word, capitalised.
    ["Rocket's bank", key('Rocket')],
    ['Sho - resto', key('Sho')],
    ['Trog 620', key('Trog')],

    // Discord handles.
    ['Discord: trog_the_gm', discord('trog_the_gm')],
    ['DC: rocket.zat', discord('rocket.zat')],
    ['Disc: skate', discord('skate')],
    ['discord mike.trog', discord('mike.trog')],
    ['discord name: Rocket', discord('Rocket')],
    ['Trog#1234', discord('Trog#1234')],
    ['raids with Mike#4521 on tues', discord('Mike#4521')],
    ['Discord: Rocket#0042', discord('Rocket#0042')],
    ['mike.trog', discord('mike.trog')],
    ['sk8_er', discord('sk8_er')],
    ['@mike.trog', discord('mike.trog')],
    ['Disc priest', []],
    ['Discord: none', []],
    ['DC: ?', []],
    ['raider.io 2800', []],
    ['i.e. bank', []],

    // Several hints in one note, never twice.
    ['Disc - @mito_bv alt of Bloodvalor', [['discord_handle', 'mito_bv'], ['main_named', 'Bloodvalor']]],
    ["Trogmoon's alt / Discord: trog", [['discord_handle', 'trog'], ['main_named', 'Trogmoon']]],
    ['alt of Trogmoon (Trogmoon)', main('Trogmoon')],
    ['ALT(Trogmoon) [Trog]', [['main_named', 'Trogmoon'], ['player_named', 'Trog']]],
    ['Trogmoon alt, discord trogmoon', [['discord_handle', 'trogmoon'], ['main_named', 'Trogmoon']]],
    ['alt Discord: trog Bob', discord('trog')],
    ['Discord: trog =Mike', [['discord_handle', 'trog'], ['main_named', 'Mike']]],
    ['Trogmoon, mike.trog', [['discord_handle', 'mike.trog'], ['player_named', 'Trogmoon']]],

    // Through colour codes, in both cases.
    ['|cFFFF0000alt of Trogmoon|r', main('Trogmoon')],
    ['|CFF00FF00ALT: Bloodvalor|R', main('Bloodvalor')],
    ['|cff00ff00Main|r', []],
    ['|cffff0000Officer|r', []],

    // Notes that name nobody.
    ['', []],
    ['None', []],
    ['n/a', []],
    ['---', []],
    ['Main', []],
    ['Alt', []],
    ['bank', []],
    ['Guild Bank', []],
    ['Raider', []],
    ['Raid on Tuesdays', []],
    ['on vacation', []],
    ['On vacation', []],
    ['M+ pusher', []],
    ['trial 12/1', []],
    ['Trial 12/1', []],
    ['joined 2024-03-01', []],
    ['Joined 2024-03-01', []],
    ['620', []],
    ['<3', []],
    ['?', []],
    ['Resto Druid', []],
    ['Tank / Heals', []],
    ['Mythic raider', []],
    ['pushing keys', []],
    ['AFK', []],
  ])('%j', (note, expected) => {
    expect(hints(note)).toEqual(expected);
  });

  it('reads through colour codes, links and textures, in any case', () => {
    expect(plainNote('|cFFFF0000Alt of|r |Hplayer:Trogmoon|h[Trogmoon]|h')).toBe('Alt of [Trogmoon]');
    expect(plainNote('|CFF00FF00Alt of|R |hplayer:Trogmoon|H[Trogmoon]|H')).toBe('Alt of [Trogmoon]');
    expect(plainNote('|TInterface\\Icons\\ClassIcon_Druid:14|t Mito |tx|T')).toBe('Mito');
    expect(plainNote('|cnGREEN_FONT_COLOR:Trogmoon|r')).toBe('Trogmoon');
    expect(plainNote('Trog || Mike')).toBe('Trog | Mike');
    // A decomposed accent is the same name as a composed one.
    expect(plainNote('Zatan\u0303n\u0303a')).toBe('Zatañña');
  });

  it('keeps the words that produced each hint as evidence, and reads the officer note first', () => {
    const read = readNotes({ guildNote: 'Main "tank"', officerNote: 'Discord: Rocket' });
    expect(read).toEqual([{ kind: 'discord_handle', value: 'Rocket', evidence: 'Discord: Rocket', source: 'officer_note' }]);
    expect(readNote("Zatañña's alt", 'officer_note')[0]).toEqual({ kind: 'main_named', value: 'Zatañña', evidence: "Zatañña's alt", source: 'officer_note' });
    expect(readNotes({ officerNote: 'alt of Trogmoon', guildNote: 'AKA Trog' })).toEqual([
      { kind: 'main_named', value: 'Trogmoon', evidence: 'alt of Trogmoon', source: 'officer_note' },
      { kind: 'player_named', value: 'Trog', evidence: 'AKA Trog', source: 'guild_note' },
    ]);
    expect(readNote('Mikes resto druid alt', 'guild_note')[0]!.evidence).toBe('Mikes resto druid alt');
  });

  it('knows the words that never name a player', () => {
    expect(['bank', 'Officer', 'tuesdays', 'Resto', "Main's", 'DH'].every(notAName)).toBe(true);
    expect(['Trogmoon', 'Zatañña', 'Mike'].some(notAName)).toBe(false);
  });
});
