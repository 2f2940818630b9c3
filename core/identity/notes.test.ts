import { plainNote, readNote, readNotes, type NoteHint } from './notes';

const hints = (note: string) => readNote(note, 'guild_note').map((h) => [h.kind, h.value]);

describe('reading notes', () => {
  it.each<[string, [NoteHint['kind'], string][]]>([
    ['Trogmoon', [['player_named', 'Trogmoon']]],
    ["Trogmoon's alt", [['main_named', 'Trogmoon']]],
    ['alt of Zatañña', [['main_named', 'Zatañña']]],
    ['Alt of Kazgor-AlteracMountains', [['main_named', 'Kazgor-AlteracMountains']]],
    ['ALT: Bloodvalor', [['main_named', 'Bloodvalor']]],
    ['Shodoom alt', [['main_named', 'Shodoom']]],
    ['main: Skatefarm', [['main_named', 'Skatefarm']]],
    ['AKA Mike', [['player_named', 'Mike']]],
    ['[Rocket]', [['player_named', 'Rocket']]],
    ['(Mito)', [['player_named', 'Mito']]],
    ['@Skate', [['player_named', 'Skate']]],
    ['Sho', [['player_named', 'Sho']]],
    ["Rocket's DH", [['note_key', 'Rocket']]],
    ['Discord: trog_the_gm', [['discord_handle', 'trog_the_gm']]],
    ['DC: rocket.zat', [['discord_handle', 'rocket.zat']]],
    ["alt of Zul'jin", [['main_named', "Zul'jin"]]],
    ["Zul'jin's alt", [['main_named', "Zul'jin"]]],
    ['Disc - @mito_bv alt of Bloodvalor', [['discord_handle', 'mito_bv'], ['main_named', 'Bloodvalor']]],
  ])('%j', (note, expected) => {
    expect(hints(note)).toEqual(expected);
  });

  it('reads through colour codes and links, and ignores notes that say nothing', () => {
    expect(plainNote('|cFFFF0000Alt of|r |Hplayer:Trogmoon|h[Trogmoon]|h')).toBe('Alt of [Trogmoon]');
    expect(hints('|cFFFF0000alt of Trogmoon|r')).toEqual([['main_named', 'Trogmoon']]);
    expect(hints('')).toEqual([]);
    expect(hints('None')).toEqual([]);
    expect(hints('Main')).toEqual([]);
    expect(hints('bank')).toEqual([]);
    expect(hints('Raider')).toEqual([]);
  });

  it('keeps the words that produced each hint as evidence, and reads the officer note first', () => {
    const read = readNotes({ guildNote: 'Main "tank"', officerNote: 'Discord: Rocket' });
    expect(read).toEqual([{ kind: 'discord_handle', value: 'Rocket', evidence: 'Discord: Rocket', source: 'officer_note' }]);
    expect(readNote("Zatañña's alt", 'officer_note')[0]).toEqual({ kind: 'main_named', value: 'Zatañña', evidence: "Zatañña's alt", source: 'officer_note' });
  });
});
