import { RealmIndex, exactNameKey, foldedNameKey, parseCharacterRef, realmKey } from './names';

const realms = new RealmIndex([
  { slug: 'senjin', name: "Sen'jin" },
  { slug: 'alterac-mountains', name: 'Alterac Mountains' },
  { slug: 'raden', name: 'Ra-den' },
  { slug: 'zandalar-tribe', name: 'Zandalar Tribe' },
]);

describe('names', () => {
  it('folds accents and case for hints, but keeps accented alts apart exactly', () => {
    expect(foldedNameKey('Zatañña')).toBe(foldedNameKey('Zatanna'));
    expect(foldedNameKey('Dícoz')).toBe(foldedNameKey('Dìcoz'));
    expect(exactNameKey('Dícoz')).not.toBe(exactNameKey('Dìcoz'));
    expect(exactNameKey('ZATAÑÑA')).toBe(exactNameKey('zatañña'));
    // Composed and decomposed forms of one name are the same name.
    expect(exactNameKey('Zatan\u0303n\u0303a')).toBe(exactNameKey('Zatañña'));
  });

  it('maps the game’s Name-Realm keys to realm slugs known from data, never derived', () => {
    expect(parseCharacterRef('Kazgor-AlteracMountains', realms, 'senjin')).toEqual({ name: 'Kazgor', realmSlug: 'alterac-mountains', realmWritten: 'AlteracMountains' });
    expect(parseCharacterRef('Vex-Raden', realms, 'senjin').realmSlug).toBe('raden');
    expect(parseCharacterRef("Trogmoon-Sen'jin", realms, 'senjin').realmSlug).toBe('senjin');
    expect(parseCharacterRef('Trogmoon', realms, 'senjin')).toEqual({ name: 'Trogmoon', realmSlug: 'senjin', realmWritten: null });
    expect(parseCharacterRef('Someone-Nowhere', realms, 'senjin').realmSlug).toBeNull();
    expect(['Zandalar Tribe', 'ZandalarTribe', 'zandalar-tribe'].map(realmKey)).toEqual(['zandalartribe', 'zandalartribe', 'zandalartribe']);
  });
});
