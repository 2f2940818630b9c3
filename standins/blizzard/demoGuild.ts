/**
 * The demo guild "Pull All The Things": the five real officers from the design, then generated
 * members that look like a real roster (alts, bank alts, connected realms, accented names, distinct
 * alts differing only by an accent). Everything but the timestamps depends on the seed alone, so a
 * run is repeatable; timestamps are offsets from `now`.
 */

export type DemoFaction = 'HORDE' | 'ALLIANCE';

export interface DemoRealm {
  slug: string;
  name: string;
  id: number;
}

export interface DemoCharacter {
  id: number;
  name: string;
  realm: DemoRealm;
  level: number;
  classId: number;
  className: string;
  raceId: number;
  raceName: string;
  activeSpec: string;
  faction: DemoFaction;
  gender: 'MALE' | 'FEMALE';
  averageItemLevel: number;
  equippedItemLevel: number;
  /** ms since epoch */
  lastLoginAt: number;
  /** 0 Guild Leader, 1 Officer, 2 Veteran, 3 Member, 4 Initiate */
  rank: number;
  /** ms since epoch, whole seconds (it travels as an HTTP date). */
  lastModified: number;
  inGuild: boolean;
  /** Who plays it: the officers' Discord names (Trog, Mito, …), generated handles for the rest. */
  player: string;
  isMain: boolean;
}

export interface DemoGuild {
  id: number;
  name: string;
  slug: string;
  realm: DemoRealm;
  faction: DemoFaction;
  characters: DemoCharacter[];
}

/** Small seeded PRNG (mulberry32): same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const REALMS = {
  senjin: { slug: 'senjin', name: "Sen'jin", id: 3724 },
  queldorei: { slug: 'queldorei', name: "Quel'dorei", id: 3725 },
  alteracMountains: { slug: 'alterac-mountains', name: 'Alterac Mountains', id: 1136 },
  sargeras: { slug: 'sargeras', name: 'Sargeras', id: 76 },
  bleedingHollow: { slug: 'bleeding-hollow', name: 'Bleeding Hollow', id: 73 },
  tichondrius: { slug: 'tichondrius', name: 'Tichondrius', id: 11 },
  zandalarTribe: { slug: 'zandalar-tribe', name: 'Zandalar Tribe', id: 1175 },
  // Slug and display name differ, as on the real API.
  raden: { slug: 'raden', name: 'Ra-den', id: 1169 },
  area52: { slug: 'area-52', name: 'Area 52', id: 3676 },
} satisfies Record<string, DemoRealm>;

/** Where generated members live: most on the guild's realm, the rest on connected and other realms. */
const REALM_WEIGHTS: Array<[DemoRealm, number]> = [
  [REALMS.senjin, 70],
  [REALMS.queldorei, 10],
  [REALMS.zandalarTribe, 5],
  [REALMS.raden, 4],
  [REALMS.area52, 4],
  [REALMS.sargeras, 3],
  [REALMS.tichondrius, 2],
  [REALMS.bleedingHollow, 1],
  [REALMS.alteracMountains, 1],
];

export const CLASSES: Record<number, { name: string; specs: Array<[string, number]>; altSuffix: string }> = {
  1: { name: 'Warrior', specs: [['Arms', 71], ['Fury', 72], ['Protection', 73]], altSuffix: 'war' },
  2: { name: 'Paladin', specs: [['Holy', 65], ['Protection', 66], ['Retribution', 70]], altSuffix: 'pally' },
  3: { name: 'Hunter', specs: [['Beast Mastery', 253], ['Marksmanship', 254], ['Survival', 255]], altSuffix: 'hunt' },
  4: { name: 'Rogue', specs: [['Assassination', 259], ['Outlaw', 260], ['Subtlety', 261]], altSuffix: 'rogue' },
  5: { name: 'Priest', specs: [['Discipline', 256], ['Holy', 257], ['Shadow', 258]], altSuffix: 'priest' },
  6: { name: 'Death Knight', specs: [['Blood', 250], ['Frost', 251], ['Unholy', 252]], altSuffix: 'dk' },
  7: { name: 'Shaman', specs: [['Elemental', 262], ['Enhancement', 263], ['Restoration', 264]], altSuffix: 'sham' },
  8: { name: 'Mage', specs: [['Arcane', 62], ['Fire', 63], ['Frost', 64]], altSuffix: 'mage' },
  9: { name: 'Warlock', specs: [['Affliction', 265], ['Demonology', 266], ['Destruction', 267]], altSuffix: 'lock' },
  10: { name: 'Monk', specs: [['Brewmaster', 268], ['Windwalker', 269], ['Mistweaver', 270]], altSuffix: 'monk' },
  11: { name: 'Druid', specs: [['Balance', 102], ['Feral', 103], ['Guardian', 104], ['Restoration', 105]], altSuffix: 'druid' },
  12: { name: 'Demon Hunter', specs: [['Havoc', 577], ['Vengeance', 581]], altSuffix: 'dh' },
  13: { name: 'Evoker', specs: [['Devastation', 1467], ['Preservation', 1468], ['Augmentation', 1473]], altSuffix: 'evo' },
};

export const HORDE_RACES: Record<number, string> = {
  2: 'Orc', 5: 'Undead', 6: 'Tauren', 8: 'Troll', 9: 'Goblin', 10: 'Blood Elf', 26: 'Pandaren',
  27: 'Nightborne', 28: 'Highmountain Tauren', 31: 'Zandalari Troll', 35: 'Vulpera', 36: "Mag'har Orc", 70: 'Dracthyr',
};

/** Class → races it may be; anything not listed takes every Horde race but Dracthyr. */
const RACE_LIMITS: Record<number, number[]> = { 12: [10, 27], 13: [70] };

const STARTS = ['Ka', 'Zu', 'Mor', 'Thal', 'Gro', 'Vor', 'Shi', 'Lok', 'Ra', 'Ze', 'Dra', 'Nar', 'Bel', 'Ash', 'Kro',
  'Ul', 'Fen', 'Tor', 'Mal', 'Jin', 'Vol', 'Sa', 'Gar', 'Ro', 'Zul', 'Tha', 'Ny', 'Ael', 'Kel', 'Qu', 'Bra', 'Xa',
  'Ver', 'Or', 'Ha', 'Li', 'Mi', 'Te', 'Sy', 'Zar', 'Bo', 'Gri', 'Ky', 'Ma', 'Sto'];
const MIDDLES = ['', '', '', 'a', 'e', 'i', 'o', 'ra', 'ri', 'lo', 'na', 've', 'th', 'ka', 'zo', 'ga', 'mi'];
const ENDS = ['gor', 'mir', 'thas', 'dan', 'rok', 'zul', 'ria', 'lia', 'nar', 'kash', 'vyn', 'dra', 'zen', 'gal',
  'ros', 'mok', 'ka', 'tis', 'rah', 'nix', 'gosh', 'lan', 'dor', 'ji', 'tu', 'wyn', 'rax', 'bo', 'shi', 'mus', 'nae', 'dil'];
const ACCENTS: Record<string, string[]> = {
  a: ['á', 'à', 'ä', 'â'], e: ['é', 'è', 'ë'], i: ['í', 'ï', 'ì'], o: ['ó', 'ö', 'ø'], u: ['ú', 'ü'], n: ['ñ'],
};

interface Rng {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
}

function rngFrom(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (items) => items[Math.floor(next() * items.length)]! };
}

/** A counter spelled in letters (1 → "b", 26 → "ba"): names that cannot repeat. */
export function lettersOf(n: number): string {
  let letters = '';
  for (let k = n; k > 0; k = Math.floor(k / 26)) letters = String.fromCharCode(97 + (k % 26)) + letters;
  return letters;
}

function capitalise(s: string): string {
  const lower = s.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

function nameKey(realmSlug: string, name: string): string {
  return `${realmSlug}/${name.normalize('NFC').toLowerCase()}`;
}

/** Keeps names unique per realm (case-insensitively, accents distinct, as in the game). */
class NameBook {
  private readonly taken = new Set<string>();
  private counter = 0;
  constructor(private readonly rng: Rng) {}

  claim(realmSlug: string, name: string): boolean {
    const key = nameKey(realmSlug, name);
    if (this.taken.has(key) || name.length < 2 || name.length > 12) return false;
    this.taken.add(key);
    return true;
  }

  fresh(realmSlug: string): string {
    const { rng } = this;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      let name = rng.pick(STARTS) + rng.pick(MIDDLES) + rng.pick(ENDS);
      if (attempt >= 20) name += rng.pick(['a', 'o', 'us', 'is', 'ar', 'en']);
      // A few in every roster carry accents, as real rosters do.
      if (rng.next() < 0.05) name = accentOne(name, rng);
      name = capitalise(name).slice(0, 12);
      if (this.claim(realmSlug, name)) return name;
    }
    // Very large guilds: fall back to a counter spelled in letters, which cannot repeat.
    for (;;) {
      this.counter += 1;
      const name = capitalise(rng.pick(STARTS) + lettersOf(this.counter)).slice(0, 12);
      if (this.claim(realmSlug, name)) return name;
    }
  }
}

function accentOne(name: string, rng: Rng): string {
  const spots = [...name].map((ch, i) => (ACCENTS[ch] ? i : -1)).filter((i) => i > 0);
  if (spots.length === 0) return name;
  const at = rng.pick(spots);
  const chars = [...name];
  chars[at] = rng.pick(ACCENTS[chars[at]!]!);
  return chars.join('');
}

interface Seedling {
  name: string;
  realm: DemoRealm;
  rank: number;
  player: string;
  isMain: boolean;
  classId?: number;
  raceId?: number;
  spec?: string;
  level?: number;
  gender?: 'MALE' | 'FEMALE';
}

/** Always present: the officers exactly as in the design, bank alts, and the names that test matching. */
const FIXED: Seedling[] = [
  { name: 'Trogmoon', realm: REALMS.senjin, rank: 0, player: 'Trog', isMain: true, classId: 11, raceId: 6, spec: 'Balance', gender: 'MALE' },
  { name: 'Bloodvalor', realm: REALMS.alteracMountains, rank: 1, player: 'Mito', isMain: true, classId: 2, raceId: 10, spec: 'Retribution' },
  { name: 'Zatañña', realm: REALMS.sargeras, rank: 1, player: 'Rocket', isMain: true, classId: 8, raceId: 27, spec: 'Fire', gender: 'FEMALE' },
  { name: 'Shodoom', realm: REALMS.bleedingHollow, rank: 1, player: 'Shodoom', isMain: true, classId: 7, raceId: 2, spec: 'Elemental' },
  { name: 'Skatefarm', realm: REALMS.tichondrius, rank: 1, player: 'Skate', isMain: true, classId: 4, raceId: 5, spec: 'Outlaw' },
  { name: 'Trogtotem', realm: REALMS.senjin, rank: 3, player: 'Trog', isMain: false, classId: 7, raceId: 8 },
  { name: 'Pattbank', realm: REALMS.senjin, rank: 3, player: 'Trog', isMain: false, classId: 9, raceId: 9, level: 10 },
  { name: 'Pattvault', realm: REALMS.senjin, rank: 3, player: 'Trog', isMain: false, classId: 1, raceId: 2, level: 10 },
  { name: 'Zatanna', realm: REALMS.senjin, rank: 3, player: 'Rocket', isMain: false, classId: 5, raceId: 10 },
  // Distinct alts of one player that differ only by an accent, and a different player's near-twin.
  { name: 'Dícoz', realm: REALMS.senjin, rank: 2, player: 'dicoz', isMain: true, classId: 3, raceId: 8 },
  { name: 'Dìcoz', realm: REALMS.senjin, rank: 2, player: 'dicoz', isMain: false, classId: 6, raceId: 5 },
  { name: 'Décoz', realm: REALMS.queldorei, rank: 3, player: 'decoz', isMain: true, classId: 10, raceId: 26 },
  { name: 'Ällëria', realm: REALMS.senjin, rank: 3, player: 'alleria.wr', isMain: true, classId: 3, raceId: 10, gender: 'FEMALE' },
  { name: 'Þórr', realm: REALMS.zandalarTribe, rank: 3, player: 'thorr', isMain: true, classId: 1, raceId: 36, gender: 'MALE' },
  { name: 'Zoë', realm: REALMS.senjin, rank: 4, player: 'zoe_plays', isMain: true, classId: 13, raceId: 70, gender: 'FEMALE' },
];

const DAY_MS = 86_400_000;

export interface GenerateDemoGuildOptions {
  /** Total characters; the fixed ones are always included. */
  size?: number;
  seed?: number;
  /** Timestamps are relative to this (default: start of today, UTC). */
  now?: number;
}

export function generateDemoGuild({ size = 150, seed = 1, now = startOfUtcDay(Date.now()) }: GenerateDemoGuildOptions = {}): DemoGuild {
  const rng = rngFrom(seed);
  const book = new NameBook(rng);
  const characters: DemoCharacter[] = [];
  let nextId = 100_000_000 + (Math.imul(seed, 7919) >>> 0) % 50_000_000;
  const build = (s: Seedling): DemoCharacter => {
    nextId += rng.int(1, 9_000);
    return materialise(s, nextId, rng, now);
  };

  for (const s of FIXED) {
    book.claim(s.realm.slug, s.name);
    characters.push(build(s));
  }

  const players = new Set(FIXED.map((s) => s.player));
  while (characters.length < size) {
    const realm = weighted(rng, REALM_WEIGHTS);
    const main = book.fresh(realm.slug);
    let player = main.normalize('NFD').replace(/[^a-zA-Z]/g, '').toLowerCase();
    while (players.has(player)) player += String(rng.int(0, 9));
    players.add(player);
    const roll = rng.next();
    const rank = roll < 0.2 ? 2 : roll < 0.97 ? 3 : 4;
    characters.push(build({ name: main, realm, rank, player, isMain: true }));
    const alts = Math.min(size - characters.length, weighted(rng, [[0, 45], [1, 30], [2, 15], [3, 10]]));
    for (let i = 0; i < alts; i += 1) {
      const altRealm = rng.next() < 0.75 ? realm : weighted(rng, REALM_WEIGHTS);
      const classId = rng.int(1, 13);
      // Many players name alts after their main: Kazgor → Kazdk.
      const derived = capitalise(main.slice(0, rng.int(3, 6)) + CLASSES[classId]!.altSuffix).slice(0, 12);
      const name = rng.next() < 0.4 && book.claim(altRealm.slug, derived) ? derived : book.fresh(altRealm.slug);
      characters.push(build({ name, realm: altRealm, rank, player, isMain: false, classId }));
    }
  }

  return {
    id: 47_120_384,
    name: 'Pull All The Things',
    slug: 'pull-all-the-things',
    realm: REALMS.senjin,
    faction: 'HORDE',
    characters,
  };
}

function materialise(s: Seedling, id: number, rng: Rng, now: number): DemoCharacter {
  const classId = s.classId ?? rng.int(1, 13);
  const cls = CLASSES[classId]!;
  const races = RACE_LIMITS[classId] ?? Object.keys(HORDE_RACES).map(Number).filter((r) => r !== 70);
  const raceId = s.raceId ?? rng.pick(races);
  const level = s.level ?? (s.isMain || rng.next() < 0.6 ? 80 : rng.int(10, 79));
  const equipped = level === 80 ? rng.int(580, 645) : Math.round(level <= 70 ? level * 0.6 + rng.int(0, 8) : 400 + (level - 70) * 16 + rng.int(0, 20));
  // Most log in weekly; one in ten has drifted away for months.
  const idleDays = rng.next() < 0.1 ? rng.int(60, 400) : rng.int(0, 30);
  const lastLoginAt = now - idleDays * DAY_MS - rng.int(0, DAY_MS - 1);
  const lastModified = Math.min(now, Math.floor((lastLoginAt + rng.int(0, 3_600_000)) / 1000) * 1000);
  return {
    id,
    name: s.name,
    realm: s.realm,
    level,
    classId,
    className: cls.name,
    raceId,
    raceName: HORDE_RACES[raceId]!,
    activeSpec: s.spec ?? rng.pick(cls.specs)[0],
    faction: 'HORDE',
    gender: s.gender ?? (rng.next() < 0.5 ? 'MALE' : 'FEMALE'),
    equippedItemLevel: equipped,
    averageItemLevel: equipped + (level === 80 ? rng.int(0, 8) : 0),
    lastLoginAt,
    rank: s.rank,
    lastModified,
    inGuild: true,
    player: s.player,
    isMain: s.isMain,
  };
}

function weighted<T>(rng: Rng, table: Array<[T, number]>): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng.next() * total;
  for (const [value, w] of table) {
    roll -= w;
    if (roll < 0) return value;
  }
  return table[table.length - 1]![0];
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

// ---- Mutations for tests and demos: what happens to a real guild between two syncs. ----

function find(guild: DemoGuild, id: number): DemoCharacter {
  const c = guild.characters.find((x) => x.id === id);
  if (!c) throw new Error(`demo guild has no character with id ${id}`);
  return c;
}

/** A changed profile gets a later Last-Modified (whole seconds, strictly increasing). */
function bump(c: DemoCharacter): void {
  c.lastModified = Math.max(Math.floor(Date.now() / 1000) * 1000, c.lastModified + 1000);
}

export function renameCharacter(guild: DemoGuild, id: number, newName: string): DemoCharacter {
  const c = find(guild, id);
  const key = nameKey(c.realm.slug, newName);
  if (guild.characters.some((x) => x.id !== id && nameKey(x.realm.slug, x.name) === key)) {
    throw new Error(`${newName} is already taken on ${c.realm.slug}`);
  }
  c.name = newName;
  bump(c);
  return c;
}

export function setRank(guild: DemoGuild, id: number, rank: number): DemoCharacter {
  const c = find(guild, id);
  c.rank = rank;
  return c;
}

export function removeFromGuild(guild: DemoGuild, id: number): DemoCharacter {
  const c = find(guild, id);
  c.inGuild = false;
  bump(c);
  return c;
}

export function touchProfile(
  guild: DemoGuild,
  id: number,
  patch: Partial<Omit<DemoCharacter, 'id' | 'lastModified'>> = {},
): DemoCharacter {
  const c = find(guild, id);
  Object.assign(c, patch);
  bump(c);
  return c;
}
