/**
 * Names as the identity engine compares them. Identity is the Blizzard character id or GUID and the
 * Discord snowflake; names are only hints, and folding accents is a hint of a hint: `Zatañña` and
 * `Zatanna` may be one player typing without accents, or two different characters (`Dícoz`, `Dìcoz`).
 */

/**
 * Keys are computed for the same few thousand names over and over (every run, every rule), and
 * Unicode normalisation is the engine's most expensive step: remember recent answers.
 */
const ASCII = /^[\x00-\x7f]*$/;

function remembered(compute: (name: string) => string): (name: string) => string {
  const cache = new Map<string, string>();
  return (name) => {
    // Plain ASCII has no accents to fold or compose: lower case is the whole answer.
    if (ASCII.test(name)) return name.trim().toLowerCase();
    let key = cache.get(name);
    if (key === undefined) {
      if (cache.size >= 200_000) cache.clear();
      key = compute(name);
      cache.set(name, key);
    }
    return key;
  };
}

/** Exact comparison but for case: what the game itself treats as the same name. */
export const exactNameKey = remembered((name) => name.normalize('NFC').trim().toLocaleLowerCase('en-US'));

/** Accents and case folded away (`Zatañña` → `zatanna`): a fuzzy hint, never an identity. */
export const foldedNameKey = remembered((name) =>
  name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[æ]/g, 'ae')
    .replace(/[ø]/g, 'o')
    .trim()
    .toLocaleLowerCase('en-US'),
);

/** Realms compare without spaces, apostrophes, hyphens or case: "Sen'jin" = "Senjin" = "senjin". */
export function realmKey(realm: string): string {
  return realm.normalize('NFKD').replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
}

export interface KnownRealm {
  slug: string;
  name?: string | null;
}

/**
 * Realm slugs known from data (the roster), looked up by how the game writes realms in character
 * keys: without spaces (`AlteracMountains`), or as a name or slug. Slugs are never derived.
 */
export class RealmIndex {
  private readonly bySlug = new Map<string, string>();

  constructor(realms: Iterable<KnownRealm>) {
    for (const r of realms) {
      this.bySlug.set(realmKey(r.slug), r.slug);
      if (r.name) this.bySlug.set(realmKey(r.name), r.slug);
    }
  }

  slugOf(realm: string): string | null {
    return this.bySlug.get(realmKey(realm)) ?? null;
  }
}

export interface CharacterRef {
  name: string;
  /** null when the realm part names no realm known from data. */
  realmSlug: string | null;
  /** The realm as written (for messages), or null when the key had none. */
  realmWritten: string | null;
}

/**
 * `Name-Realm` as the game writes it (`Zatañña-Sargeras`, `Kazgor-AlteracMountains`), or a bare
 * `Name`, which means the guild's own realm.
 */
export function parseCharacterRef(text: string, realms: RealmIndex, guildRealmSlug: string): CharacterRef {
  const trimmed = text.trim();
  const at = trimmed.indexOf('-');
  if (at <= 0) return { name: trimmed, realmSlug: guildRealmSlug, realmWritten: null };
  const realmWritten = trimmed.slice(at + 1);
  return { name: trimmed.slice(0, at), realmSlug: realms.slugOf(realmWritten), realmWritten };
}
