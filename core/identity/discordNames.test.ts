import { discordNames, type DiscordMemberNames, type DiscordNameSource } from './discordNames';
import { exactNameKey, foldedNameKey } from './names';

const member = (username: string, globalName: string | null = null, nickname: string | null = null): DiscordMemberNames => ({ username, globalName, nickname });
const names = (m: DiscordMemberNames, guildTags?: string[]) => discordNames(m, { guildTags }).map((n) => [n.name, n.from, n.whole]);

type Expected = [string, DiscordNameSource, boolean][];

describe('the names a Discord member goes by', () => {
  it.each<[string, DiscordMemberNames, Expected]>([
    // Usernames.
    ['a plain username', member('trogmoon'), [['trogmoon', 'username', true]]],
    ['a new username with a dot', member('mike.trog'), [['mike.trog', 'username', true], ['mike', 'username', false], ['trog', 'username', false]]],
    ['a new username with an underscore', member('trog_the_gm'), [['trog_the_gm', 'username', true], ['trog', 'username', false]]],
    ['short and digit parts of a username are not names', member('sk8_er'), [['sk8_er', 'username', true]]],
    ['a username with a year', member('skate_1993'), [['skate_1993', 'username', true], ['skate', 'username', false]]],
    ['a legacy tag is dropped', member('Rocket#0042'), [['Rocket', 'username', true]]],
    ["a bot's legacy tag", member('PATT Bot#8812'), [['PATT Bot', 'username', true], ['PATT', 'username', false]]],
    ['a new username shown with #0', member('mito_bv#0'), [['mito_bv', 'username', true], ['mito', 'username', false]]],

    // Global names and nicknames, whole and in parts.
    ['a nickname that is a character', member('trog_gm', 'Trog', 'Trogmoon'), [['trog_gm', 'username', true], ['Trog', 'global_name', true], ['Trogmoon', 'nickname', true]]],
    ['a second name in brackets', member('rocket.zat', null, 'Zatañña (Rocket)'), [['rocket.zat', 'username', true], ['Zatañña (Rocket)', 'nickname', true], ['rocket', 'username', false], ['zat', 'username', false], ['Zatañña', 'nickname', false]]],
    ['a guild tag in lenticular brackets', member('skate', null, '【PATT】Skate'), [['skate', 'username', true], ['【PATT】Skate', 'nickname', true], ['PATT', 'nickname', false]]],
    ['a rank after a bar', member('mike.trog', null, 'Mike | GM'), [['mike.trog', 'username', true], ['Mike | GM', 'nickname', true], ['mike', 'username', false], ['trog', 'username', false]]],
    ['Name-Realm yields the name', member('trog', null, 'Trogmoon-Senjin'), [['trog', 'username', true], ['Trogmoon-Senjin', 'nickname', true], ['Trogmoon', 'nickname', false]]],
    ['Name-RealmWithoutSpaces', member('kaz', null, 'Kazgor-AlteracMountains'), [['kaz', 'username', true], ['Kazgor-AlteracMountains', 'nickname', true], ['Kazgor', 'nickname', false]]],
    ['a spaced dash separates two names', member('kaz', null, 'Kaz - Kazgor'), [['kaz', 'username', true], ['Kaz - Kazgor', 'nickname', true], ['Kazgor', 'nickname', false]]],
    ['slashes and commas', member('bv', 'Mito', 'Bloodvalor/Mitomage, Mitodh'), [['bv', 'username', true], ['Mito', 'global_name', true], ['Bloodvalor/Mitomage, Mitodh', 'nickname', true], ['Bloodvalor', 'nickname', false], ['Mitomage', 'nickname', false], ['Mitodh', 'nickname', false]]],
    ['every kind of bracket', member('shodoom', null, '「Sho」『Doom』〔Shodh〕{Shomage}<Shopriest>[Shomonk]'), [['shodoom', 'username', true], ['「Sho」『Doom』〔Shodh〕{Shomage}<Shopriest>[Shomonk]', 'nickname', true], ['Sho', 'nickname', false], ['Doom', 'nickname', false], ['Shodh', 'nickname', false], ['Shomage', 'nickname', false], ['Shopriest', 'nickname', false], ['Shomonk', 'nickname', false]]],
    ['role words are dropped', member('tank_mike', null, 'Mike (Tank) - Officer'), [['tank_mike', 'username', true], ['Mike (Tank) - Officer', 'nickname', true], ['mike', 'username', false]]],
    ['raider, healer, dps, member, trial, alt, main', member('x_y', null, 'Raider Healer DPS Member Trial Alt Main Trog'), [['x_y', 'username', true], ['Raider Healer DPS Member Trial Alt Main Trog', 'nickname', true], ['Trog', 'nickname', false]]],
    ['titles and gamer wings are dropped', member('trog', null, 'Dr. Trogmoon / xX_Trog_Xx'), [['trog', 'username', true], ['Dr. Trogmoon / xX_Trog_Xx', 'nickname', true], ['Trogmoon', 'nickname', false]]],
    ['digits only and one letter are dropped', member('skate', null, 'Skate 2 x 1999'), [['skate', 'username', true], ['Skate 2 x 1999', 'nickname', true]]],

    // Decorations: symbols and emoji separate, never belong to a name.
    ['stars', member('skate', null, '★ Skate ★'), [['skate', 'username', true], ['★ Skate ★', 'nickname', true]]],
    ['emoji glued to a name', member('rocket', null, '🔥Rocket🔥'), [['rocket', 'username', true], ['🔥Rocket🔥', 'nickname', true]]],
    ['emoji with variation selectors and skin tones', member('mike', null, 'Mike👍🏽✌️Trog'), [['mike', 'username', true], ['Mike👍🏽✌Trog', 'nickname', true], ['Trog', 'nickname', false]]],
    ['bullets and swords', member('kaz', null, 'Kaz • Kazgor ⚔ Kazdk'), [['kaz', 'username', true], ['Kaz • Kazgor ⚔ Kazdk', 'nickname', true], ['Kazgor', 'nickname', false], ['Kazdk', 'nickname', false]]],
    ['sparkles around a bracketed name', member('zat', '✦ Zatañña ✦', null), [['zat', 'username', true], ['✦ Zatañña ✦', 'global_name', true], ['Zatañña', 'global_name', false]]],
    ['a zero-width space hidden in a name', member('trog', null, 'Trog\u200Bmoon\uFE0F'), [['trog', 'username', true], ['Trogmoon', 'nickname', true]]],
    ['nothing but emoji is no name', member('skate', '🔥🔥', null), [['skate', 'username', true]]],

    // Full-width and styled letters, scripts.
    ['full-width letters', member('skate', null, 'Ｓｋａｔｅ'), [['skate', 'username', true]]],
    ['full-width with a full-width bar', member('skate', null, 'Ｓｋａｔｅｆａｒｍ｜ＰＡＴＴ'), [['skate', 'username', true], ['Skatefarm|PATT', 'nickname', true], ['Skatefarm', 'nickname', false], ['PATT', 'nickname', false]]],
    ['mathematical script letters', member('skate', '𝓢𝓴𝓪𝓽𝓮𝓯𝓪𝓻𝓶', null), [['skate', 'username', true], ['Skatefarm', 'global_name', true]]],
    ['a CJK name is kept intact', member('xiaoming', '小明', '小明 | 王小明'), [['xiaoming', 'username', true], ['小明', 'global_name', true], ['小明 | 王小明', 'nickname', true], ['王小明', 'nickname', false]]],
    ['a Korean name', member('troll_kr', null, '트롤 (Trog)'), [['troll_kr', 'username', true], ['트롤 (Trog)', 'nickname', true], ['troll', 'username', false], ['트롤', 'nickname', false], ['Trog', 'nickname', false]]],
    ['a Cyrillic name', member('zatanna', null, 'Затанна'), [['zatanna', 'username', true], ['Затанна', 'nickname', true]]],
    ['a katakana name with a middle dot', member('john', null, 'ジョン・スミス'), [['john', 'username', true], ['ジョン・スミス', 'nickname', true], ['ジョン', 'nickname', false], ['スミス', 'nickname', false]]],
    ['inner apostrophes stay', member('zul', null, "Zul'jin | Zul’dk"), [['zul', 'username', true], ["Zul'jin | Zul’dk", 'nickname', true], ["Zul'jin", 'nickname', false], ['Zul’dk', 'nickname', false]]],
    ['accents stay (folding is a key)', member('zatanna', 'Zatañña', 'Zatanna'), [['zatanna', 'username', true], ['Zatañña', 'global_name', true]]],

    // Order and duplicates.
    ['the same name in every field is one name, from the username', member('Trogmoon', 'trogmoon', 'TROGMOON'), [['Trogmoon', 'username', true]]],
    ['a nickname that is a part of the username stays a whole', member('mike.trog', null, 'Trog'), [['mike.trog', 'username', true], ['Trog', 'nickname', true], ['mike', 'username', false]]],
    ['no global name, no nickname', member('mito'), [['mito', 'username', true]]],
    ['spaces around and inside', member('  mito  ', '  Mito   Bloodvalor ', null), [['mito', 'username', true], ['Mito Bloodvalor', 'global_name', true], ['Bloodvalor', 'global_name', false]]],
  ])('%s', (_what, m, expected) => {
    expect(names(m)).toEqual(expected);
  });

  it('drops every guild tag passed in, in any case or accent', () => {
    expect(names(member('skate', null, '【PATT】Skatefarm'), ['PATT'])).toEqual([
      ['skate', 'username', true],
      ['【PATT】Skatefarm', 'nickname', true],
      ['Skatefarm', 'nickname', false],
    ]);
    expect(names(member('skate', null, '<Patt> Skate [PÄTT]'), ['PATT'])).toEqual([
      ['skate', 'username', true],
      ['<Patt> Skate [PÄTT]', 'nickname', true],
    ]);
  });

  it('gives each name its exact and folded keys', () => {
    const [zat] = discordNames(member('rocket', null, 'Zatañña (Rocket)')).filter((n) => n.name === 'Zatañña');
    expect(zat).toEqual({ name: 'Zatañña', from: 'nickname', whole: false, exactKey: exactNameKey('Zatañña'), foldedKey: foldedNameKey('Zatañña') });
    expect(zat!.foldedKey).toBe('zatanna');
    expect(discordNames(member('Rocket#0042'))[0]).toMatchObject({ exactKey: 'rocket', foldedKey: 'rocket' });
  });
});
