import {
  generateDemoGuild,
  removeFromGuild,
  renameCharacter,
  setRank,
  touchProfile,
  type DemoCharacter,
} from './demoGuild';

const NOW = Date.UTC(2026, 0, 15);
const byName = (chars: DemoCharacter[], name: string) => chars.filter((c) => c.name === name);

describe('generateDemoGuild', () => {
  const guild = generateDemoGuild({ size: 150, seed: 1, now: NOW });

  it('is the Horde guild Pull All The Things on Sen\'jin', () => {
    expect(guild).toMatchObject({ name: 'Pull All The Things', slug: 'pull-all-the-things', faction: 'HORDE' });
    expect(guild.realm).toMatchObject({ slug: 'senjin', name: "Sen'jin" });
  });

  it('has exactly the five officers from the design, on their own realms', () => {
    const leaders = guild.characters
      .filter((c) => c.rank <= 1)
      .map((c) => [c.name, c.realm.slug, c.realm.name, c.rank, c.player])
      .sort();
    expect(leaders).toEqual(
      [
        ['Bloodvalor', 'alterac-mountains', 'Alterac Mountains', 1, 'Mito'],
        ['Shodoom', 'bleeding-hollow', 'Bleeding Hollow', 1, 'Shodoom'],
        ['Skatefarm', 'tichondrius', 'Tichondrius', 1, 'Skate'],
        ['Trogmoon', 'senjin', "Sen'jin", 0, 'Trog'],
        ['Zatañña', 'sargeras', 'Sargeras', 1, 'Rocket'],
      ].sort(),
    );
  });

  it('gives everyone else ranks 2 to 4', () => {
    const others = guild.characters.filter((c) => c.rank > 1);
    expect(others.length).toBe(guild.characters.length - 5);
    expect(new Set(others.map((c) => c.rank))).toEqual(new Set([2, 3, 4]));
  });

  it('generates about `size` characters with unique ids', () => {
    expect(guild.characters.length).toBe(150);
    expect(new Set(guild.characters.map((c) => c.id)).size).toBe(150);
  });

  it('keeps names unique per realm, case-insensitively', () => {
    const keys = guild.characters.map((c) => `${c.realm.slug}/${c.name.toLowerCase()}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('includes non-ASCII names and distinct alts differing only by an accent', () => {
    const nonAscii = guild.characters.filter((c) => /[^\x20-\x7e]/.test(c.name)).map((c) => c.name);
    expect(nonAscii).toEqual(expect.arrayContaining(['Dícoz', 'Dìcoz', 'Ällëria', 'Þórr', 'Zoë', 'Zatañña']));
    const [a] = byName(guild.characters, 'Dícoz');
    const [b] = byName(guild.characters, 'Dìcoz');
    expect(a!.id).not.toBe(b!.id);
    expect(a!.player).toBe(b!.player);
  });

  it('has level-10 bank alts at rank 3', () => {
    for (const name of ['Pattbank', 'Pattvault']) {
      expect(byName(guild.characters, name)).toEqual([expect.objectContaining({ level: 10, rank: 3, realm: expect.objectContaining({ slug: 'senjin' }) })]);
    }
  });

  it('gives players several characters, mostly on senjin and some on other realms', () => {
    const perPlayer = new Map<string, number>();
    for (const c of guild.characters) perPlayer.set(c.player, (perPlayer.get(c.player) ?? 0) + 1);
    expect([...perPlayer.values()].filter((n) => n >= 3).length).toBeGreaterThan(3);
    const onSenjin = guild.characters.filter((c) => c.realm.slug === 'senjin').length;
    expect(onSenjin / guild.characters.length).toBeGreaterThan(0.5);
    expect(new Set(guild.characters.map((c) => c.realm.slug)).size).toBeGreaterThan(5);
  });

  it('gives every character a plausible profile', () => {
    for (const c of guild.characters) {
      expect(c.level).toBeGreaterThanOrEqual(10);
      expect(c.level).toBeLessThanOrEqual(80);
      expect(c.averageItemLevel).toBeGreaterThanOrEqual(c.equippedItemLevel);
      expect(c.lastLoginAt).toBeLessThanOrEqual(NOW);
      expect(c.lastModified % 1000).toBe(0);
      expect(c.inGuild).toBe(true);
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(generateDemoGuild({ size: 150, seed: 1, now: NOW })).toEqual(guild);
    const other = generateDemoGuild({ size: 150, seed: 2, now: NOW });
    expect(other.characters.map((c) => c.name)).not.toEqual(guild.characters.map((c) => c.name));
  });

  it('scales to 5,000 members with unique names per realm', () => {
    const big = generateDemoGuild({ size: 5000, seed: 3, now: NOW });
    expect(big.characters.length).toBe(5000);
    expect(new Set(big.characters.map((c) => c.id)).size).toBe(5000);
    expect(new Set(big.characters.map((c) => `${c.realm.slug}/${c.name.toLowerCase()}`)).size).toBe(5000);
    expect(big.characters.every((c) => c.name.length >= 2 && c.name.length <= 12)).toBe(true);
    expect(big.characters.filter((c) => /[^\x20-\x7e]/.test(c.name)).length).toBeGreaterThan(24);
  });
});

describe('demo guild mutations', () => {
  const fresh = () => generateDemoGuild({ size: 40, seed: 5, now: NOW });

  it('renameCharacter changes the name and bumps lastModified', () => {
    const g = fresh();
    const c = g.characters[20]!;
    const before = c.lastModified;
    renameCharacter(g, c.id, 'Newname');
    expect(c.name).toBe('Newname');
    expect(c.lastModified).toBeGreaterThan(before);
  });

  it('renameCharacter refuses a name taken on the same realm', () => {
    const g = fresh();
    const trog = byName(g.characters, 'Trogmoon')[0]!;
    const bank = byName(g.characters, 'Pattbank')[0]!;
    expect(() => renameCharacter(g, bank.id, 'TROGMOON')).toThrow(/already taken/);
    expect(trog.name).toBe('Trogmoon');
  });

  it('setRank, removeFromGuild and touchProfile change what the API will show', () => {
    const g = fresh();
    const c = g.characters[10]!;
    setRank(g, c.id, 2);
    expect(c.rank).toBe(2);
    const t1 = touchProfile(g, c.id, { activeSpec: 'Frost', equippedItemLevel: 700 }).lastModified;
    const t2 = touchProfile(g, c.id).lastModified;
    expect(c).toMatchObject({ activeSpec: 'Frost', equippedItemLevel: 700 });
    expect(t2).toBeGreaterThan(t1);
    removeFromGuild(g, c.id);
    expect(c.inGuild).toBe(false);
  });

  it('throws for an unknown id', () => {
    expect(() => setRank(fresh(), -1, 3)).toThrow(/no character with id -1/);
  });
});
