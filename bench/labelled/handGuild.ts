/**
 * A hand-written guild in the shape of Pull All The Things' real data, labelled as a careful officer
 * would: who plays what, which pairs the evidence makes certain (auto), which are true but need an
 * officer (suggest), which must never be linked (never), and the #audit-channel findings expected.
 * Labels were written from the data alone, never from what the engine does with it.
 */
import { GuildBuilder, type CharSpec, type LabelledGuild, type MemberSpec, type Verdict } from './guild';

type Alt = [name: string, note: string | null, verdict?: Verdict, extra?: Partial<CharSpec>];

/** A main and its alts in one line each: the notes are spelled out as the officers typed them. */
function mainWithAlts(main: CharSpec, alts: Alt[]): CharSpec[] {
  return [main, ...alts.map(([name, note, v, extra]) => ({ name, rank: 3, ...(note !== null ? { note } : {}), ...(v ? { v } : {}), ...extra }))];
}

export function handGuild(): LabelledGuild {
  const g = new GuildBuilder('hand');
  const acct = (username: string, x: Omit<MemberSpec, 'username'> = {}): MemberSpec => ({ username, ...x });

  // --- Officers and the habits of their notes ------------------------------------------------
  g.player(
    'trog',
    'Trogmoon',
    mainWithAlts({ name: 'Trogmoon', rank: 0, note: 'Main', officer: 'Discord: trog', v: 'auto' }, [
      ['Trogtotem', 'Alt of Trogmoon', 'auto', { rank: 1 }],
      ['Trogfist', 'Trog alt', 'auto', { why: 'names the player by his Discord nick; one player is called Trog' }],
      ['Trogmoonbank', 'bank', 'suggest', { rank: 4, why: 'bank alt named after its main: likely, not certain' }],
      ['Trogsham', 'Alt of Trogmon', 'suggest', { why: 'one-letter typo of the main: an officer confirms' }],
      ['Trogpriest', 'Alt of Trogmoon', 'auto', { left: 20 }],
    ]),
    [acct('trog', { globalName: 'Mike', nickname: 'Trog', roles: [0] })],
  );
  g.finding('main_not_on_roster', 'char:Trogsham-senjin', 'note names Trogmon, a typo');
  g.player(
    'mito',
    'Bloodvalor',
    mainWithAlts({ name: 'Bloodvalor', realm: 'alterac-mountains', rank: 1, note: 'Main', officer: 'DC: mito', v: 'auto' }, [
      ['Mitoheals', 'Bloodvalor alt', 'auto', { realm: 'alterac-mountains' }],
      ['Valorbank', 'alt of Bloodvalor-AlteracMountains', 'auto', { rank: 4 }],
    ]),
    [acct('mito', { globalName: 'Mito', nickname: 'Bloodvalor-AlteracMountains', roles: [1] })],
  );
  g.player(
    'skate',
    'Skate',
    mainWithAlts({ name: 'Skate', rank: 1, note: '|cFF00FF00Main|r', officer: 'Discord: skatewow', v: 'auto' }, [
      ['Skatemonk', '@Skate', 'auto'],
      ['Skatedh', '|CFFFF8000Alt of Skate|R', 'auto'],
    ]),
    [acct('skatewow', { globalName: 'Skate', nickname: 'Ｓｋａｔｅ', roles: [1] })],
  );
  g.player(
    'sho',
    'Shodoom',
    mainWithAlts({ name: 'Shodoom', rank: 1, note: 'Sho', officer: 'Discord: shodoom', v: 'auto' }, [
      ['Shoheal', 'Sho', 'auto', { why: 'every Shodoom character carries the player key Sho' }],
      ['Shotank', 'Sho', 'auto'],
      ['Shobolt', 'Sho', 'auto', { rank: 4 }],
    ]),
    [acct('shodoom', { globalName: 'Sho', nickname: 'Sho | Officer', roles: [1] })],
  );
  // The sheet gives Gorrumdk to Velia, but both its notes name Gorrum: a suggestion and a finding, never a silent link.
  g.player('velia', 'Velianne', mainWithAlts({ name: 'Velianne', rank: 1, note: 'Main', v: 'auto' }, [['Velishot', "Velianne's alt", 'auto']]), [
    acct('velia', { globalName: 'Velia', nickname: '【PATT】Velianne', roles: [1] }),
  ]);
  g.player(
    'gorrum',
    'Gorrumash',
    mainWithAlts({ name: 'Gorrumash', rank: 2, note: 'Main', officer: 'Discord: gorrum', v: 'auto' }, [
      ['Gorrumdk', 'Alt of Gorrumash', 'suggest', { officer: 'Discord: gorrum', why: 'notes say Gorrum, the sheet says Velia: officers decide' }],
    ]),
    [acct('gorrum', { nickname: 'Gorrumash', roles: [2] })],
  );
  g.pair('Gorrumash-senjin', 'velia', 'never', "the sheet's contradiction must not drag Gorrum's main into Velia's person");
  g.finding('sources_disagree', 'char:Gorrumdk-senjin', 'sheet gives it to Velia, both notes to Gorrum');

  // Brann's sheet row (first) also claims Nyx's priest, whose note names Nyxara.
  g.player('nyx', 'Nyxara', mainWithAlts({ name: 'Nyxara', rank: 2, note: 'Main', v: 'auto' }, [['Nyxpriest', 'Alt of Nyxara', 'suggest', { why: 'the sheet gives it to two players; notes say Nyx' }]]), [
    acct('nyxie', { globalName: 'Nyx', nickname: 'Nyxara', roles: [2] }),
  ]);
  g.player('brann', 'Brannoc', mainWithAlts({ name: 'Brannoc', rank: 2, note: 'Main', officer: 'Brann#4410', v: 'auto' }, [['Brannhunt', 'Brannocs hunter', 'auto']]), [
    acct('brann', { globalName: 'Brann', roles: [2] }),
  ]);
  g.finding('character_claimed_by_two_rows', 'char:Nyxpriest-senjin', 'two sheet rows claim it');

  // Accent twins: three different players.
  g.player('dicozA', 'Dícoz', [{ name: 'Dícoz', note: 'Main', v: 'auto' }], [acct('dicozz', { nickname: 'Dícoz', roles: [3] })]);
  g.player('dicozB', 'Dìcoz', mainWithAlts({ name: 'Dìcoz', note: 'Main', v: 'auto' }, [['Coztwo', '(Dìcoz)', 'auto']]), [acct('dicoztv', { nickname: 'Dìcoz', roles: [3] })]);
  g.player('decoz', 'Décoz', [{ name: 'Décoz', note: 'Main', v: 'suggest', why: 'account writes Decoz without the accent' }], [acct('decoz', { globalName: 'Decoz', roles: [4] })]);
  for (const [c, m] of [
    ['Dícoz', 'dicoztv'],
    ['Dícoz', 'decoz'],
    ['Dìcoz', 'dicozz'],
    ['Dìcoz', 'decoz'],
    ['Décoz', 'dicozz'],
    ['Décoz', 'dicoztv'],
    ['Coztwo', 'dicozz'],
  ] as const) {
    g.pair(g.charKey(c), m, 'never', 'accent twins are different players');
  }

  g.player(
    'zat',
    'Zatañña',
    mainWithAlts({ name: 'Zatañña', rank: 2, note: 'Main', v: 'auto' }, [
      ['Zatbrew', '[Zatañña]', 'auto'],
      ['Zatpally', 'ALT(Zatañña)', 'auto'],
    ]),
    [acct('zatrocket', { globalName: 'Zatanna', nickname: 'Zatañña (Rocket)', roles: [2] })],
  );
  g.player(
    'lunaria',
    'Lunarïa',
    mainWithAlts({ name: 'Lunarïa', note: 'Main', v: 'suggest', why: 'she types Lunaria without the accent' }, [['Lunashot', 'AKA: Lunarïa', 'suggest']]),
    [acct('lunaria', { nickname: 'Lunaria', roles: [3] })],
  );
  // Two accounts whose names both fit Kazgor.
  g.player('kazgor', 'Kazgor', mainWithAlts({ name: 'Kazgor', rank: 2, note: 'Main', v: 'suggest', why: '@kazgor and @kazgor_wow both fit' }, [['Kazlock', '(Kazgor)', 'suggest']]), [
    acct('kazgor_wow', { globalName: 'Kaz', nickname: 'Kazgor', roles: [2] }),
  ]);
  g.member({ username: 'kazgor', globalName: 'Kazgor' }, 'kazgor-lookalike');

  g.player('xiaolong', 'Xiaolong', [{ name: 'Xiaolong', note: 'Main', officer: 'DC: xiaolong88', v: 'auto' }], [acct('xiaolong88', { globalName: '小龙', nickname: '小龙', roles: [3] })]);
  g.player('mei', 'Meilin', mainWithAlts({ name: 'Meilin', note: 'Main', v: 'auto', why: 'the sheet' }, [['Meiheals', 'ALT Meilin', 'auto', { rank: 4 }]]), [acct('meimei', { globalName: '美琳', roles: [3] })]);
  g.player('doublefly', 'Doublefly', [{ name: 'Doublefly', note: 'Main', v: 'auto' }], [acct('doublefly', { nickname: 'Doublefly', roles: [3] })]);
  g.player('tickelly', 'Tickelly', mainWithAlts({ name: 'Tickelly', note: 'Main', v: 'auto' }, [['Ticklefury', 'alt-Tickelly', 'auto']]), [acct('tickelly', { globalName: 'Tickelly', roles: [3] })]);
  // Renamed main: the sheet and an alt's note still use the old name. Blizzard's name history (same
  // character id) says Orenbolt is Orenthal: as certain as the note naming Orenthal, and the main is
  // on the roster, so no "main not on the roster" finding.
  g.player(
    'oren',
    'Orenthal',
    mainWithAlts({ name: 'Orenthal', rank: 2, note: 'Main', officer: 'Discord: oren', previous: ['Orenbolt'], v: 'auto' }, [
      ['Orenhunt', 'Alt of Orenbolt', 'auto', { why: "names the main's old name, which Blizzard's name history resolves" }],
    ]),
    [acct('oren', { nickname: 'Orenthal', roles: [2] })],
  );

  // Former members who kept their roles; members who left Discord.
  g.player('fenwick', 'Fenwick', mainWithAlts({ name: 'Fenwick', left: 45, note: 'Main', officer: 'Discord: fenwick', v: 'auto' }, [['Fenbank', 'Alt of Fenwick', 'auto', { left: 45, rank: 4 }]]), [
    acct('fenwick', { roles: [3] }),
  ]);
  g.player('ashlyn', 'Ashlyn', [{ name: 'Ashlyn', left: 90, note: 'Main', v: 'auto' }], [acct('ashlyn_x', { nickname: 'Ashlyn', roles: [4] })]);
  g.player('quinn', 'Quinnara', [{ name: 'Quinnara', note: 'Main', officer: 'Discord: quinnx' }], [acct('quinnx', { nickname: 'Quinnara', roles: [3], departed: 10 })]);
  g.player('oldraider', 'Oldraider', [{ name: 'Oldraider', left: 200, note: 'Main' }], [acct('oldraider', { nickname: 'Oldraider', roles: [3], departed: 150 })]);

  // Roles: none, too high, too low, two of them; a main not seen for two months; a profile gone.
  g.player('pim', 'Pimento', mainWithAlts({ name: 'Pimento', note: 'Main', v: 'auto' }, [['Pimbank', '=Pimento', 'auto', { rank: 4 }]]), [acct('pim', { nickname: 'Pimento' })]);
  g.player('galen', 'Galenor', mainWithAlts({ name: 'Galenor', rank: 2, note: 'Main', officer: 'Discord: galen', login: 60, v: 'auto' }, [['Galenmage', 'A:Galenor', 'auto', { login: 62 }]]), [
    acct('galen', { nickname: 'Galenor', roles: [2] }),
  ]);
  g.player('mira', 'Mirabel', [{ name: 'Mirabel', note: 'Main', officer: 'Discord: mira', unavailable: 10, v: 'auto' }], [acct('mira', { nickname: 'Mirabel', roles: [3] })]);
  g.player('hollis', 'Hollisar', [{ name: 'Hollisar', note: 'Main', officer: 'Discord: hollis', v: 'auto' }], [acct('hollis', { roles: [2] })]);
  g.player('brenna', 'Brennalyn', [{ name: 'Brennalyn', rank: 4, note: 'Main', v: 'auto' }], [acct('brenna', { nickname: 'Brennalyn', roles: [3] })]);
  g.player('tovik', 'Tovikar', [{ name: 'Tovikar', rank: 2, note: 'Main', officer: 'DC: tovik', v: 'auto' }], [acct('tovik', { roles: [2, 3] })]);

  // Notes that are not names.
  g.player('corvin', 'Corvinus', mainWithAlts({ name: 'Corvinus', note: 'Raid on Tues', officer: 'Discord: corvin', v: 'auto' }, [['Corvbank', 'bank', undefined, { rank: 4 }]]), [
    acct('corvin', { roles: [3] }),
  ]);
  g.player('elsbeth', 'Elsbeth', [{ name: 'Elsbeth', note: 'M+', officer: 'Discord: elsbeth', v: 'auto' }], [acct('elsbeth', { roles: [3] })]);
  g.player('ravenm', 'Ravenmoor', [{ name: 'Ravenmoor', rank: 4, note: 'trial', v: 'suggest', why: 'nick Raven is only a prefix' }], [acct('ravenm', { nickname: 'Raven', roles: [4] })]);

  // --- Raiders and socials: the everyday notes ---------------------------------------------------
  const everyday: [owner: string, account: MemberSpec | null, main: CharSpec, alts: Alt[]][] = [
    ['aldric', acct('aldric', { nickname: 'Aldric', roles: [2] }), { name: 'Aldric', rank: 2, note: 'Main', v: 'auto' }, [['Aldwarr', 'Alt of Aldric', 'auto'], ['Aldshot', "Aldric's alt", 'auto']]],
    ['baelyn', acct('baelyn.', { globalName: 'Bae', roles: [3] }), { name: 'Baelyn', note: 'Main', officer: 'Discord: baelyn.', v: 'auto' }, [['Baelock', 'Baelyn alt', 'auto']]],
    ['caspian', acct('caspian', { nickname: 'Caspian-Tichondrius', roles: [3] }), { name: 'Caspian', realm: 'tichondrius', note: 'Main', v: 'auto' }, [['Caspmonk', 'alt of Caspian-Tichondrius', 'auto']]],
    ['dorrin', acct('dorrin77', { globalName: 'Dorrin', roles: [3] }), { name: 'Dorrin', note: 'Main', v: 'auto' }, [['Dorrinpal', 'Dorrins paladin', 'auto'], ['Dorrinsham', '[Dorrin]', 'auto']]],
    ['eldwyn', acct('eldwyn', { nickname: 'Eldwyn | Raid Lead', roles: [2] }), { name: 'Eldwyn', rank: 2, note: 'Main', v: 'auto' }, [['Eldbrew', '@Eldwyn', 'auto']]],
    ['faelar', acct('faelar', { roles: [3] }), { name: 'Faelar', note: 'Main', officer: 'DC: faelar', v: 'auto' }, [['Faelshot', 'ALT(Faelar)', 'auto'], ['Faeldruid', 'AKA: Faelar', 'auto']]],
    ['garrick', acct('garrick_', { nickname: '【PATT】Garrick', roles: [3] }), { name: 'Garrick', note: 'Main', v: 'auto' }, [['Garrlock', 'ALT Garrick', 'auto']]],
    ['hestia', acct('hestia', { globalName: 'Hestia', roles: [3] }), { name: 'Hestia', note: '|cFFFFFF00Main|r', v: 'auto' }, [['Hestiadk', '|cFF00CCFFalt-Hestia|r', 'auto']]],
    ['isolde', acct('isolde', { nickname: 'Isolde', roles: [3] }), { name: 'Isolde', note: 'Main', v: 'auto' }, [['Isoheal', 'A:Isolde', 'auto'], ['Isoshot', '=Isolde', 'auto']]],
    ['jorvik', acct('jorvik', { roles: [3] }), { name: 'Jorvik', note: 'Main', officer: 'Discord: jorvik', v: 'auto' }, [['Jorvbank', 'bank', undefined, { rank: 4 }]]],
    ['kaelith', acct('kaelith', { nickname: 'Kaelith', roles: [2] }), { name: 'Kaelith', rank: 2, note: 'Main', v: 'auto' }, [['Kaelmage', '(Kaelith)', 'auto'], ['Kaelpriest', 'Alt of Kaelith', 'auto']]],
    ['maelis', acct('maelis', { nickname: 'Maelis', roles: [3] }), { name: 'Maelis', note: 'Main', v: 'auto' }, [['Maelrogue', 'Maelis alt', 'auto']]],
    ['norrik', acct('norrik', { roles: [3] }), { name: 'Norrik', note: 'Main', officer: 'norrik#2231', v: 'auto' }, [['Norrikdh', "Norrik's alt", 'auto']]],
    ['ophira', acct('ophira', { nickname: 'Ophira', roles: [3] }), { name: 'Ophira', note: 'Main', v: 'auto' }, [['Ophishot', 'Ophiras hunter', 'auto']]],
    ['perrin', acct('perrin', { nickname: 'Perrin', roles: [4] }), { name: 'Perrin', rank: 4, note: 'Main', v: 'auto' }, []],
    ['quillon', acct('quillon', { nickname: 'Quillon', roles: [3] }), { name: 'Quillon', note: 'Main', v: 'auto' }, [['Quilbank', '[Quillon]', 'auto', { rank: 4 }]]],
    ['rhosyn', acct('rhosyn', { nickname: 'Rhosyn', roles: [3] }), { name: 'Rhosyn', realm: 'bleeding-hollow', note: 'Main', v: 'auto' }, [['Rhosdruid', 'Alt of Rhosyn', 'auto']]],
    ['sorrel', acct('sorrel', { roles: [3] }), { name: 'Sorrel', note: 'Main', officer: 'Discord: sorrel', v: 'auto' }, [['Sorrelmonk', 'alt-Sorrel', 'auto'], ['Sorrelevo', 'ALT(Sorrel)', 'auto']]],
    ['thalia', acct('thalia', { nickname: 'Thalia', roles: [3] }), { name: 'Thalia', note: 'Main', v: 'auto' }, [['Thalwarr', '@Thalia', 'auto']]],
    ['ulric', acct('ulric', { roles: [3] }), { name: 'Ulric', note: 'Main', officer: 'DC: ulric', v: 'auto' }, [['Ulricsham', 'ALT Ulric', 'auto']]],
    ['vesper', acct('vesper', { nickname: 'Vesper', roles: [3] }), { name: 'Vesper', note: 'Main', v: 'auto' }, [['Vespmage', 'Vespers mage', 'auto'], ['Vesphunt', 'AKA: Vesper', 'auto']]],
    ['wynna', acct('wynna', { nickname: 'Wynna', roles: [3] }), { name: 'Wynna', note: 'Main', v: 'auto' }, [['Wynnapal', 'A:Wynna', 'auto']]],
    ['xandor', acct('xandor', { nickname: 'Xandor', roles: [3] }), { name: 'Xandor', note: 'Main', v: 'auto' }, [['Xandk', '=Xandor', 'auto']]],
    ['yrsa', acct('yrsa', { nickname: 'Yrsa', roles: [3] }), { name: 'Yrsa', note: 'Main', v: 'auto' }, [['Yrsashot', 'Alt of Yrsa', 'auto']]],
    ['zephyr', acct('zephyr', { nickname: 'Zephyr-AlteracMountains', roles: [3] }), { name: 'Zephyr', realm: 'alterac-mountains', note: 'Main', v: 'auto' }, [['Zephmonk', 'alt of Zephyr-AlteracMountains', 'auto']]],
    ['arkan', acct('arkan', { roles: [3] }), { name: 'Arkan', note: 'Main', officer: 'Discord: arkan', v: 'auto' }, [['Arkanlock', 'Arkan alt', 'auto']]],
    ['borin', acct('borin', { nickname: 'Borin', roles: [3] }), { name: 'Borin', note: 'Main', v: 'auto' }, [['Borinpal', '(Borin)', 'auto']]],
    ['cirra', acct('cirra', { nickname: 'Cirra', roles: [3] }), { name: 'Cirra', note: 'Main', v: 'auto' }, [['Cirrashot', "Cirra's alt", 'auto']]],
    ['delmar', acct('delmar', { roles: [3] }), { name: 'Delmar', note: 'Main', officer: 'Discord: delmar', v: 'auto' }, [['Delmage', '[Delmar]', 'auto']]],
    ['eowen', acct('eowen', { nickname: 'Eowen', roles: [3] }), { name: 'Eowen', note: 'Main', v: 'auto' }, [['Eowdruid', 'alt-Eowen', 'auto']]],
    ['fizzle', acct('fizzle', { nickname: 'Fizzlebang', roles: [3] }), { name: 'Fizzlebang', note: 'Main', v: 'auto' }, [['Fizzlemage', 'ALT(Fizzlebang)', 'auto']]],
    ['grim', acct('grimbeard', { nickname: 'Grimbeard', roles: [2] }), { name: 'Grimbeard', rank: 2, note: 'Main', v: 'auto' }, [['Grimshot', 'Grimbeards hunter', 'auto']]],
    ['halvard', acct('halvard', { nickname: 'Halvard', roles: [3] }), { name: 'Halvard', note: 'Main', v: 'auto' }, [['Halvwarr', 'Alt of Halvard', 'auto']]],
    ['ingrid', acct('ingrid', { roles: [3] }), { name: 'Ingrid', note: 'Main', officer: 'DC: ingrid', v: 'auto' }, [['Ingridpal', 'Ingrid alt', 'auto']]],
    // Players known to officers only through the sheet.
    ['jessamy', acct('jessamy', { globalName: 'Jess', roles: [3] }), { name: 'Jessamy', note: 'Raid on Tues', v: 'auto', why: 'the sheet' }, [['Jesshunt', null, 'auto', { why: 'the sheet' }]]],
    ['korrak', acct('korrak', { globalName: 'K', roles: [3] }), { name: 'Korrak', v: 'auto', why: 'the sheet' }, [['Korrakdk', 'M+', 'auto', { why: 'the sheet' }]]],
    ['liora', acct('liora', { globalName: 'Li', roles: [3] }), { name: 'Liora', v: 'auto', why: 'the sheet' }, []],
    ['mordekai', acct('mordekai', { globalName: 'Mord', roles: [2] }), { name: 'Mordekai', rank: 2, v: 'auto', why: 'the sheet' }, [['Mordlock', null, 'auto', { why: 'the sheet' }]]],
    // Mains whose accounts carry no name an officer could tie to them: nothing to go on.
    ['nerissa', acct('bluefish', { globalName: 'Fish', roles: [3] }), { name: 'Nerissa', note: 'Main' }, [['Nerishot', 'Alt of Nerissa']]],
    // (orrin_ is Orrin's own name with an underscore: an officer ties that one.)
    ['orrin', acct('orrin_', { nickname: 'Bob', roles: [3] }), { name: 'Orrin', note: 'Main', v: 'auto', why: "the username is the main's name" }, []],
    // No Discord at all.
    ['pyrra', null, { name: 'Pyrra', note: 'Main' }, [['Pyrrashot', 'Alt of Pyrra']]],
    ['rurik', null, { name: 'Rurik', note: 'Main' }, []],
    ['sylvara', null, { name: 'Sylvara', rank: 4, note: 'trial' }, []],
    ['tamsin', acct('tamsin', { nickname: 'Tamsin', roles: [3] }), { name: 'Tamsin', note: 'Main', v: 'auto' }, [['Tamsinpriest', 'Alt of Tamsin', 'auto'], ['Tamsinmage', 'Tamsin alt', 'auto']]],
    ['wrenna', acct('wrenna', { nickname: 'Wrenna', roles: [4] }), { name: 'Wrenna', rank: 4, note: 'trial', v: 'auto' }, []],
    ['alaric', acct('alaric', { nickname: 'Alaric', roles: [3] }), { name: 'Alaric', note: 'Main', v: 'auto' }, [['Alarshot', 'AKA: Alaric', 'auto'], ['Alarbank', 'bank', undefined, { rank: 4 }]]],
    ['bryony', acct('bryony', { nickname: 'Bryony', roles: [3] }), { name: 'Bryony', realm: 'area-52', note: 'Main', v: 'auto' }, [['Bryonymonk', 'alt of Bryony-Area52', 'auto']]],
    ['cedric', acct('cedric', { roles: [3] }), { name: 'Cedric', note: 'Main', officer: 'Discord: cedric', v: 'auto' }, [['Cedwarr', '=Cedric', 'auto'], ['Cedlock', '(Cedric)', 'auto']]],
    ['dahlia', acct('dahlia', { nickname: 'Dahlia', roles: [2] }), { name: 'Dahlia', rank: 2, note: 'Main', v: 'auto' }, [['Dahliapal', '@Dahlia', 'auto']]],
    ['emrys', acct('emrys', { nickname: 'Emrys', roles: [3] }), { name: 'Emrys', realm: 'moon-guard', note: 'Main', v: 'auto' }, [['Emryshunt', 'Emrys alt', 'auto', { realm: 'moon-guard' }]]],
    ['fennic', acct('fennic', { nickname: 'Fennic', roles: [3] }), { name: 'Fennic', note: 'Main', v: 'auto' }, [['Fennicdh', 'A:Fennic', 'auto']]],
    ['gwendal', acct('gwendal', { roles: [3] }), { name: 'Gwendal', note: 'Main', officer: 'Discord: gwendal', v: 'auto' }, [['Gwenheal', 'ALT Gwendal', 'auto']]],
    ['harrow', acct('harrow', { nickname: 'Harrow', roles: [3] }), { name: 'Harrow', note: 'Main', v: 'auto' }, [['Harrowdk', 'alt-Harrow', 'auto']]],
    ['ilsa', acct('ilsa', { nickname: 'Ilsa', roles: [3] }), { name: 'Ilsa', note: 'Main', v: 'auto' }, [['Ilsamage', "Ilsa's alt", 'auto']]],
    ['jaskier', acct('jaskier', { nickname: 'Jaskier', roles: [3] }), { name: 'Jaskier', note: 'Main', v: 'auto' }, [['Jaskpriest', '[Jaskier]', 'auto']]],
  ];
  for (const [owner, account, main, alts] of everyday) g.player(owner, main.name, mainWithAlts(main, alts), account ? [account] : []);

  // --- Visitors and bots -------------------------------------------------------------------------
  g.member({ username: 'trogsmom', globalName: "Trog's Mom" }, 'trogsmom');
  g.pair('Trogmoon-senjin', 'trogsmom', 'never', 'a visitor named after a player');
  g.pair('Trogtotem-senjin', 'trogsmom', 'never');
  g.member({ username: 'lfgpug', nickname: 'pug' }, 'lfgpug');
  g.member({ username: 'guestguy', globalName: 'Guest', roles: [3] }, 'guestguy');
  g.member({ username: 'xingxing', globalName: '星星' }, 'xingxing');
  g.member({ username: 'recruiter_anna', globalName: 'Anna', roles: [4] }, 'recruiter_anna');
  g.member({ username: 'ashlynn', globalName: 'Ashlynn' }, 'ashlynn');
  g.pair('Ashlyn-senjin', 'ashlynn', 'never', 'a one-letter look-alike visitor');
  g.member({ username: 'mee6', globalName: 'MEE6', bot: true }, null);
  g.member({ username: 'raidhelper', nickname: 'Raid-Helper', bot: true }, null);
  g.member({ username: 'wowaudit', nickname: 'Trogmoon', bot: true }, null);
  for (const [owner, main] of g.playerMains()) {
    if (main === null) continue;
    for (const bot of ['mee6', 'raidhelper', 'wowaudit']) g.pair(main, bot, 'never', `bots are nobody (${owner})`);
  }

  // --- The officers' sheet -------------------------------------------------------------------------
  for (const [name, user] of [
    ['trog', 'trog'],
    ['Skate', 'skatewow'],
    ['velia', 'velia'],
    ['Brann#4410', 'brann'],
    ['Nyx', 'nyxie'],
    ['美琳', 'meimei'],
    ['oren', 'oren'],
    ['Jessamy', 'jessamy'],
    ['korrak', 'korrak'],
    ['Liora', 'liora'],
    ['Mordekai', 'mordekai'],
    ['Aldric', 'aldric'],
    ['sorrel', 'sorrel'],
    ['Galen', 'galen'],
  ] as const) {
    g.sheetId(name, g.userId(user));
  }
  g.sheetId('Doublefly/Tickelly#7263', g.userId('doublefly'));
  g.sheetId('None', 'None');
  g.sheetId('oldguy', '1.04537E+17');
  const rows: [string, string, string, string, string, string][] = [
    ['trog', 'Trogmoon', 'Shaman', 'Restoration', 'Healer', 'Main'],
    ['trog', 'Trogtotem', 'Shaman', 'Elemental', 'DPS', 'Alt'],
    ['【PATT】Skate', 'Skate', 'Monk', 'Windwalker', 'DPS', 'Main'],
    ['Ｓｋａｔｅ', 'Skatemonk', 'Monk', 'Brewmaster', 'Tank', 'Alt'],
    ['velia', 'Velianne', 'Hunter', 'Marksmanship', 'DPS', 'Main'],
    ['velia', 'Gorrumdk', 'Death Knight', 'Frost', 'DPS', 'Alt'],
    ['velia', 'Velishot', 'Hunter', 'Beast Mastery', 'DPS', 'Alt'],
    ['Brann#4410', 'Brannoc', 'Warrior', 'Protection', 'Tank', 'Main'],
    ['Brann#4410', 'Nyxpriest', 'Priest', 'Shadow', 'DPS', 'Alt'],
    ['Nyx', 'Nyxara', 'Mage', 'Frost', 'DPS', 'Main'],
    ['Nyx', 'Nyxpriest', 'Priest', 'Discipline', 'Healer', 'Alt'],
    ['美琳', 'Meilin', 'Evoker', 'Preservation', 'Healer', 'Main'],
    ['美琳', 'Meiheals', 'Druid', 'Restoration', 'Healer', 'Alt'],
    ['Doublefly/Tickelly#7263', 'Doublefly', 'Rogue', 'Outlaw', 'DPS', 'Main'],
    ['oren', 'Orenbolt', 'Mage', 'Fire', 'DPS', 'Main'],
    ['Jessamy', 'Jessamy', 'Paladin', 'Holy', 'Healer', 'Main'],
    ['Jessamy', 'Jesshunt', 'Hunter', 'Survival', 'DPS', 'Alt'],
    ['korrak', 'Korrak', 'Warrior', 'Fury', 'DPS', 'Main'],
    ['korrak', 'Korrakdk', 'Death Knight', 'Blood', 'Tank', 'Alt 1'],
    ['Liora', 'Liora', 'Priest', 'Holy', 'Healer', 'MAIN'],
    ['Mordekai', 'Mordekai', 'Warlock', 'Affliction', 'DPS', 'Main'],
    ['Mordekai', 'Mordlock', 'Warlock', 'Destruction', 'DPS', 'alt2'],
    ['Aldric', 'Aldric', 'Paladin', 'Retribution', 'DPS', 'Main'],
    ['sorrel', 'Sorrel', 'Druid', 'Balance', 'DPS', 'Main'],
    ['sorrel', 'Sorrelmonk', 'Monk', 'Mistweaver', 'Healer', 'Alt'],
    ['Galen', 'Galenor', 'Warrior', 'Arms', 'DPS', 'Main'],
    ['None', 'Oldalt', 'None', 'None', 'None', 'Alt'],
    ['trog', 'None', 'Shaman', 'None', 'None', 'Alt'],
  ];
  for (const r of rows) g.sheetChar(...r);
  return g.build();
}
