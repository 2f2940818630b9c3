/**
 * Guilds nobody has seen, of the hand guild's shape, with their labels: the same habits mixed at
 * random rates, so the figures are not tuned to one fixture. Deterministic for a seed.
 */
import { GuildBuilder, REALMS, type CharSpec, type LabelledGuild, type MemberSpec, type Verdict } from './guild';
import { mulberry32 } from '../../standins/blizzard/demoGuild';

const SYLLABLES = ['kal', 'dor', 'mir', 'ven', 'tha', 'lor', 'bri', 'gan', 'sel', 'rok', 'ula', 'fen', 'ise', 'mar', 'zul', 'tor', 'ath', 'eli', 'run', 'cas', 'ny', 'vor', 'hal', 'dra'];
const ACCENTED: Record<string, string[]> = { a: ['á', 'à', 'ä'], e: ['é', 'è', 'ë'], i: ['í', 'ì', 'ï'], o: ['ó', 'ö'], u: ['ú', 'ü'], n: ['ñ'] };
const CLASSES = ['Warrior', 'Paladin', 'Hunter', 'Rogue', 'Priest', 'Shaman', 'Mage', 'Warlock', 'Monk', 'Druid', 'Demon Hunter', 'Death Knight', 'Evoker'];
const NOT_NAMES = ['Raid on Tues', 'M+', 'trial', 'bank', 'social'];

/** The stand-ins' seeded generator: the same sequence on every machine. */
const rng = mulberry32;

/** The ways officers and LibAlts write "alt of <main>" (main as written, realm key without spaces). */
const ALT_NOTES: ((main: string, realmKey: string) => string)[] = [
  (m) => `Alt of ${m}`,
  (m) => `${m}'s alt`,
  (m) => `${m} alt`,
  (m) => `${m}s alt`,
  (m, r) => `alt of ${m}-${r}`,
  (m) => `(${m})`,
  (m) => `[${m}]`,
  (m) => `@${m}`,
  (m) => `ALT(${m})`,
  (m) => `AKA: ${m}`,
  (m) => `ALT ${m}`,
  (m) => `alt-${m}`,
  (m) => `A:${m}`,
  (m) => `=${m}`,
  (m) => `|cFF00FF00Alt of ${m}|r`,
  (m) => `|CFFFF8000${m} alt|R`,
];

const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
const fullWidth = (s: string) => [...s].map((ch) => (/[!-~]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch)).join('');
const realmKeyOf = (slug: string) => REALMS.find((r) => r.slug === slug)!.name.replace(/[\s']/g, '');

export interface GeneratedGuildOptions {
  characters: number;
  members: number;
  seed: number;
}

export function generatedGuild({ characters, members, seed }: GeneratedGuildOptions): LabelledGuild {
  const rnd = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const g = new GuildBuilder(`seed-${seed}`, 'senjin', 1_045_367_129_850_000_000n + BigInt(seed) * 10_000_000n);

  // Names unique even with accents folded away, so only deliberate twins ever look alike.
  const taken = new Set<string>();
  const freshName = (parts = 2 + Math.floor(rnd() * 2)): string => {
    for (;;) {
      const n = Array.from({ length: parts }, () => pick(SYLLABLES)).join('');
      const name = n.charAt(0).toUpperCase() + n.slice(1);
      if (name.length <= 12 && !taken.has(fold(name))) {
        taken.add(fold(name));
        return name;
      }
    }
  };
  const accent = (name: string): string => {
    const at = [...name].map((ch, i) => (ACCENTED[ch] ? i : -1)).filter((i) => i > 0);
    if (at.length === 0) return name;
    const i = pick(at);
    return name.slice(0, i) + pick(ACCENTED[name[i]!]!) + name.slice(i + 1);
  };
  const typo = (name: string): string => {
    const i = 1 + Math.floor(rnd() * (name.length - 2));
    let typoed = name.slice(0, i) + name.slice(i + 1);
    if (taken.has(fold(typoed))) typoed = `${name}x`;
    taken.add(fold(typoed)); // no later character may take the typo'd name
    return typoed;
  };

  let charCount = 0;
  let memberCount = 0;
  let player = 0;
  const sheetPlayers: { owner: string; discordName: string; username: string; chars: string[] }[] = [];
  const officerPlayers: { owner: string; username: string; main: string; alt: string | null }[] = [];

  while (charCount < characters) {
    player += 1;
    const owner = `p${player}`;
    const realm = chance(0.8) ? 'senjin' : pick(REALMS).slug;
    const departed = chance(0.04);
    const hasAccount = memberCount < members && chance(0.86);
    const rank = player === 1 ? 0 : pick([1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4]);
    const kind = hasAccount ? pick(['officer', 'officer', 'officer', 'nick', 'nick', 'nick', 'sheet', 'sheet', 'folded', 'playerKey', 'none'] as const) : 'none';
    let mainName = freshName();
    if (kind === 'folded') {
      const accented = accent(mainName);
      mainName = accented === mainName ? `${mainName.slice(0, -1)}é` : accented;
      taken.add(fold(mainName));
    }
    const stem = mainName.slice(0, 3);
    const username = `${fold(mainName)}${chance(0.4) ? Math.floor(rnd() * 100) : ''}`.replace(/[^a-z0-9]/g, '');
    const verdict: Verdict | undefined = kind === 'none' ? undefined : kind === 'folded' ? 'suggest' : 'auto';

    const account: MemberSpec = { username, roles: [] };
    if (kind === 'officer' || kind === 'playerKey') {
      account.globalName = chance(0.5) ? `${stem.toUpperCase()}${Math.floor(rnd() * 10)}` : undefined;
    } else if (kind === 'nick') {
      account.username = `u${player}_${pick(['x', 'wow', 'tv', ''])}`;
      account.nickname = pick([mainName, `${mainName}-${realmKeyOf(realm)}`, `${mainName} | Raider`, `【PATT】${mainName}`, fullWidth(mainName)]);
    } else if (kind === 'folded') {
      account.nickname = fold(mainName).charAt(0).toUpperCase() + fold(mainName).slice(1);
    } else if (kind === 'sheet' || kind === 'none') {
      account.username = `fan${player}`;
      account.globalName = pick(['Bob', 'Sam', 'K', 'Jess', '小龙', 'ひかり', null]) ?? undefined;
    }
    if (kind === 'playerKey') account.nickname = stem;
    const roll = rnd();
    account.roles = roll < 0.84 ? [rank] : roll < 0.92 ? [Math.min(4, rank + 1)] : roll < 0.97 ? [] : [rank, Math.min(4, rank + 1)];
    if (hasAccount && chance(0.02)) account.departed = 5 + Math.floor(rnd() * 60);

    const officerNote =
      kind === 'officer' || kind === 'playerKey' ? pick([`Discord: ${username}`, `DC: ${username}`, `${username.charAt(0).toUpperCase()}${username.slice(1)}#${1000 + Math.floor(rnd() * 9000)}`]) : null;
    const stale = verdict === 'auto' && !departed && chance(0.04);
    const main: CharSpec = {
      name: mainName,
      realm,
      rank,
      note: pick(['Main', 'Main', 'Main', 'Main', '|cFF00FF00Main|r', ...NOT_NAMES.slice(0, 3)]),
      ...(officerNote ? { officer: officerNote } : {}),
      ...(departed ? { left: 20 + Math.floor(rnd() * 100) } : {}),
      ...(stale ? { login: 35 + Math.floor(rnd() * 60) } : { login: Math.floor(rnd() * 20) }),
      ...(chance(0.01) && !departed ? { unavailable: 5 + Math.floor(rnd() * 20) } : {}),
      ...(verdict ? { v: verdict } : {}),
    };
    if (chance(0.03) && !departed) main.previous = [freshName()];

    const chars: CharSpec[] = [main];
    const extra: { rule: 'main_not_on_roster'; key: string }[] = [];
    const alts = Math.floor(rnd() * (rnd() < 0.3 ? 5 : 3));
    for (let a = 0; a < alts && charCount + chars.length < characters; a += 1) {
      const altRealm = chance(0.85) ? realm : pick(REALMS).slug;
      const r = rnd();
      const alt: CharSpec = { name: freshName(), realm: altRealm, rank: Math.max(rank, pick([3, 3, 4])), login: Math.floor(rnd() * 25), ...(departed ? { left: main.left! } : {}) };
      // Which name the note uses: the main's, written bare or Name-Realm when it lives elsewhere.
      if (r < 0.7) {
        const f = pick(ALT_NOTES);
        alt.note = f(mainName, realmKeyOf(realm));
        if (realm !== altRealm && !/-/.test(alt.note)) alt.note = `Alt of ${mainName}-${realmKeyOf(realm)}`;
        if (verdict) alt.v = verdict;
      } else if (r < 0.76 && kind === 'playerKey') {
        alt.note = `${stem} alt`;
        alt.v = 'auto';
      } else if (r < 0.8 && !departed) {
        // A one-letter typo of the main: true, but an officer confirms; and the note needs fixing.
        alt.realm = realm;
        alt.note = `Alt of ${typo(mainName)}`;
        if (verdict) alt.v = 'suggest';
        extra.push({ rule: 'main_not_on_roster', key: `${alt.name}-${realm}` });
      } else if (r < 0.85) {
        alt.name = `${mainName.slice(0, 8)}bank`;
        if (taken.has(fold(alt.name))) alt.name = freshName();
        else taken.add(fold(alt.name));
        alt.note = 'bank';
        alt.rank = 4;
        if (verdict) alt.v = 'suggest';
      } else if (r < 0.9) {
        alt.note = pick(NOT_NAMES);
      }
      if (kind === 'sheet' && !departed) alt.v = 'auto';
      chars.push(alt);
    }
    if (kind === 'sheet' && departed) for (const c of chars) delete c.v; // the sheet only names characters in the guild
    g.player(owner, mainName, chars, hasAccount ? [account] : []);
    for (const e of extra) g.finding(e.rule, `char:${e.key}`);
    charCount += chars.length;
    if (hasAccount) memberCount += 1;
    if (hasAccount && kind === 'sheet' && !departed) {
      // DiscordIDs names are the officers' own: the username, or what they call the player.
      sheetPlayers.push({ owner, discordName: chance(0.5) ? account.username : `${account.globalName ?? 'Player'} ${player}`, username: account.username, chars: chars.map((c) => (c.realm === 'senjin' ? c.name : `${c.name}-${realmKeyOf(c.realm!)}`)) });
    }
    if (hasAccount && kind === 'officer' && !departed && !account.departed) officerPlayers.push({ owner, username: account.username, main: `${mainName}-${realm}`, alt: chars[1]?.note && chars[1].v === 'auto' && chars[1].realm === 'senjin' ? chars[1].name : null });
    // A two-account lookalike: a visitor whose username is the main's name.
    if (kind === 'nick' && chance(0.06) && /^[A-Za-z]+$/.test(mainName) && memberCount < members) {
      g.member({ username: mainName.toLowerCase(), globalName: mainName }, `${owner}-lookalike`);
      memberCount += 1;
      for (const c of chars) if (c.v) g.pair(`${c.name}-${c.realm}`, account.username, 'suggest', 'two accounts fit');
    }
    // Accent twins: a different player with the same name but for one accent, each with an exact nick.
    if (kind === 'nick' && account.nickname === mainName && chance(0.08) && memberCount < members && charCount < characters) {
      const twin = accent(mainName);
      if (twin !== mainName) {
        const twinOwner = `${owner}-twin`;
        const twinUser = `twin${player}`;
        g.player(twinOwner, twin, [{ name: twin, realm, rank: 3, note: 'Main', v: 'auto' }], [{ username: twinUser, nickname: twin, roles: [3] }]);
        g.pair(`${twin}-${realm}`, account.username, 'never', 'accent twins');
        g.pair(`${mainName}-${realm}`, twinUser, 'never', 'accent twins');
        charCount += 1;
        memberCount += 1;
      }
    }
  }

  // The sheet contradicting the notes: A's row claims B's alt, whose notes name B (two of them).
  const [a, b] = [sheetPlayers[0], officerPlayers.find((o) => o.alt !== null)];
  // The sheet: most rows clean, the usual junk in a few.
  for (const p of sheetPlayers) g.sheetId(p.discordName, g.userId(p.username));
  for (const p of sheetPlayers) for (const [i, c] of p.chars.entries()) g.sheetChar(p.discordName, c, pick(CLASSES), 'None', pick(['DPS', 'Healer', 'Tank']), i === 0 ? pick(['Main', 'MAIN', 'Main Char']) : pick(['Alt', 'alt2', 'Alt 1']));
  if (a && b) {
    const altKey = `${b.alt}-senjin`;
    g.sheetChar(a.discordName, b.alt!, 'Hunter', 'None', 'DPS', 'Alt');
    g.pair(altKey, b.username, 'suggest', 'notes say B, the sheet says A');
    g.pair(b.main, a.username, 'never', "the sheet's contradiction must not drag B's main into A's person");
    g.finding('sources_disagree', `char:${altKey}`);
  }
  // One character claimed by two rows: a later row of another sheet player repeats an alt whose
  // owner's own row came first (and its notes agree), so the owner's link stays certain: a finding.
  const [c, d] = [sheetPlayers[1], sheetPlayers[2]];
  if (c && d && c.chars.length > 1) {
    const claimed = c.chars[1]!;
    g.sheetChar(d.discordName, claimed, 'Priest', 'None', 'Healer', 'Alt');
    const key = claimed.includes('-') ? `${claimed.split('-')[0]}-${REALMS.find((r) => realmKeyOf(r.slug) === claimed.split('-')[1])!.slug}` : `${claimed}-senjin`;
    g.finding('character_claimed_by_two_rows', `char:${key}`);
  }
  if (sheetPlayers.length >= 2) g.sheetChar(`${sheetPlayers[0]!.discordName}/${sheetPlayers[1]!.discordName}`, sheetPlayers[1]!.chars[0]!, 'Mage', 'Frost', 'DPS', 'Main');
  g.sheetChar('None', 'None', 'None', 'None', 'None', 'Alt');
  if (sheetPlayers[0]) g.sheetChar(fullWidth(sheetPlayers[0].discordName), sheetPlayers[0].chars[0]!, 'Mage', 'Frost', 'DPS', 'Main');

  // Visitors (a few holding a guild role by mistake) and bots.
  while (memberCount < members - 3) {
    const n = freshName();
    g.member({ username: `${fold(n)}${memberCount}`, ...(chance(0.5) ? { globalName: n } : {}), ...(chance(0.1) ? { roles: [pick([3, 4])] } : {}) }, `visitor${memberCount}`);
    memberCount += 1;
  }
  for (const bot of ['mee6', 'raidhelper', 'wowaudit']) g.member({ username: `${bot}_${seed}`, nickname: bot, bot: true }, null);
  for (const [, main] of g.playerMains()) if (main) for (const bot of ['mee6', 'raidhelper', 'wowaudit']) g.pair(main, `${bot}_${seed}`, 'never', 'bots are nobody');
  return g.build();
}
