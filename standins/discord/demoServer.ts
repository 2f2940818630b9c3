import { lettersOf, mulberry32 } from '../blizzard/demoGuild';
import { compareSnowflakes, discordTimestamp, isSnowflake, snowflakeAt, snowflakeTime } from './snowflake';

/**
 * The demo Discord server of "Pull All The Things": the five officers from the design, members
 * derived from the game guild's players (or generated), and the untidy rest a real server has —
 * nicknames that are not character names, accents dropped, no nickname at all, members without a
 * guild role, former guild members who kept their role, bots. Everything but the timestamps depends
 * on the seed alone; timestamps are offsets from `now`.
 */

export interface DemoUser {
  id: string;
  /** Lowercase, unique (Discord's 2023 usernames). */
  username: string;
  /** Account-wide display name; null when never set. */
  global_name: string | null;
  /** '0' for people (after the username migration); bots keep four digits. */
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
}

/** Why a generated member looks the way it does; never sent over the API. */
export type DemoMemberKind =
  | 'officer'
  | 'player'
  | 'former-guild-member'
  | 'discord-only'
  | 'bot'
  | 'added';

/** How a player's names relate to their main character (for tests that check matching). */
export type DemoNameStyle =
  | 'nick-is-main'
  | 'nick-tagged'
  | 'nick-lowercase'
  | 'nick-accents-dropped'
  | 'nick-unrelated'
  | 'global-name-is-main'
  | 'global-name-unrelated'
  | 'no-names';

export interface DemoMemberInfo {
  kind: DemoMemberKind;
  /** The game guild's player (DemoPlayer.name) behind this account, when there is one. */
  player?: string;
  mainCharacter?: string;
  nameStyle?: DemoNameStyle;
  /** The player's rank in the game when the Discord role deliberately disagrees or is missing. */
  gameRank?: number;
}

export interface DemoDiscordMember {
  user: DemoUser;
  nick: string | null;
  /** Role ids, without @everyone (as Discord sends them). */
  roles: string[];
  /** Discord's timestamp format (`…T…​.123000+00:00`). */
  joined_at: string;
  premium_since: string | null;
  pending: boolean;
  flags: number;
  /** Demo bookkeeping; not part of Discord's member object. */
  demo?: DemoMemberInfo;
}

export interface DepartedDemoMember extends DemoDiscordMember {
  left_at: string;
}

export interface DemoRole {
  id: string;
  name: string;
  /** 0 is @everyone; higher is higher in the list. */
  position: number;
  color: number;
  managed: boolean;
  /** Permission bit set as a decimal string, as Discord sends it. */
  permissions: string;
  hoist: boolean;
  mentionable: boolean;
  /** The game rank this role stands for: 0 GM, 1 Officer, 2 Veteran, 3 Member, 4 Initiate. */
  guildRank?: number;
  /** Managed roles of bots carry the bot's user id. */
  tags?: { bot_id?: string };
}

export interface DemoChannel {
  id: string;
  name: string;
  /** 0 text, 2 voice, 4 category. */
  type: 0 | 2 | 4;
  position: number;
  parent_id: string | null;
  topic: string | null;
}

export interface DemoDiscordServer {
  guildId: string;
  name: string;
  ownerId: string;
  applicationId: string;
  botUser: DemoUser & { bot: true };
  roles: DemoRole[];
  channels: DemoChannel[];
  /** Present members by user id. */
  members: Map<string, DemoDiscordMember>;
  /** Members who left (their last state), by user id. */
  departed: Map<string, DepartedDemoMember>;
  auditChannelId: string;
  generalChannelId: string;
  /** Role ids by guild rank 0..4 (GM … Initiate). */
  rankRoleIds: string[];
}

export interface DemoPlayer {
  /** Discord name, e.g. 'Trog', or a generated handle. */
  name: string;
  mainCharacter: string;
  /** 0 Guild Leader … 4 Initiate */
  rank: number;
}

export interface NewDemoMember {
  /** Snowflake; generated when missing. */
  id?: string;
  username: string;
  globalName?: string | null;
  nick?: string | null;
  roles?: string[];
  bot?: boolean;
}

export interface GenerateDemoDiscordServerOptions {
  /** Total members present, officers and bots included (default 160). */
  size?: number;
  seed?: number;
  /** Timestamps are relative to this (default: start of today, UTC). */
  now?: number;
  /** The game guild's players (the Blizzard demo guild's mains); generated when missing. */
  players?: DemoPlayer[];
  /** The server's id (default: the demo id the config uses). */
  guildId?: string;
}

export const DEMO_GUILD_ID = '1045367129850000000';
export const DEMO_BOT_USERNAME = 'PATT Sync';

const DAY_MS = 86_400_000;
/** User ids made between these dates all have 18 digits, so string order equals numeric order. */
const USER_IDS_FROM = Date.UTC(2016, 0, 1);
const USER_IDS_UNTIL = Date.UTC(2022, 3, 1);

const PERMISSIONS = {
  everyone: '2248473465835073',
  member: '2248473465835073',
  officer: '1101927632983',
  administrator: '8',
  bot: '1099780063232',
};

interface Rng {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
  chance: (p: number) => boolean;
}

function rngFrom(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (items) => items[Math.floor(next() * items.length)]!, chance: (p) => next() < p };
}

/** Accents off: `Zatañña` → `Zatanna`, `Þórr` → `Thorr`. */
export function foldAccents(s: string): string {
  return s
    .replace(/[Þþ]/g, (c) => (c === 'Þ' ? 'Th' : 'th'))
    .replace(/[Ææ]/g, (c) => (c === 'Æ' ? 'Ae' : 'ae'))
    .replace(/[Øø]/g, (c) => (c === 'Ø' ? 'O' : 'o'))
    .normalize('NFD')
    .replace(/\p{M}/gu, '');
}

const capitalise = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

// ---- Names ----

const STARTS = ['Ka', 'Zu', 'Mor', 'Thal', 'Gro', 'Vor', 'Shi', 'Lok', 'Ra', 'Ze', 'Dra', 'Nar', 'Bel', 'Ash', 'Kro', 'Ul',
  'Fen', 'Tor', 'Mal', 'Jin', 'Vol', 'Sa', 'Gar', 'Ro', 'Zul', 'Tha', 'Ny', 'Ael', 'Kel', 'Qu', 'Bra', 'Xa', 'Ver', 'Or'];
const ENDS = ['gor', 'mir', 'thas', 'dan', 'rok', 'zul', 'ria', 'lia', 'nar', 'kash', 'vyn', 'dra', 'zen', 'gal', 'ros',
  'mok', 'ka', 'tis', 'rah', 'nix', 'gosh', 'lan', 'dor', 'ji', 'tu', 'wyn', 'rax', 'bo', 'shi', 'mus', 'nae', 'dil'];
const ACCENTED: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', n: 'ñ' };
const FIRST_NAMES = ['Dave', 'Sarah', 'Mike', 'Jess', 'Chris', 'Amy', 'Tom', 'Kate', 'Luis', 'Ana', 'Ben', 'Nora', 'Raj', 'Mei'];
const EMOJI = ['🐉', '🔥', '⚔️', '🌙', '🍺', '✨'];

function characterName(rng: Rng): string {
  let name = rng.pick(STARTS) + rng.pick(['', '', 'a', 'e', 'o', 'ra', 'ri', 'lo']) + rng.pick(ENDS);
  if (rng.chance(0.06)) {
    const chars = [...name];
    const spots = chars.map((c, i) => (i > 0 && ACCENTED[c] ? i : -1)).filter((i) => i > 0);
    if (spots.length > 0) {
      const at = rng.pick(spots);
      chars[at] = ACCENTED[chars[at]!]!;
      name = chars.join('');
    }
  }
  return capitalise(name.toLowerCase()).slice(0, 12);
}

/** Character names nobody else in the demo has (case-insensitive); a letter counter once the syllables run out. */
class MainBook {
  private readonly taken = new Set<string>();
  private counter = 0;
  /** The syllables are mostly used up: stop trying random names first. */
  private saturated = false;
  constructor(private readonly rng: Rng) {}

  claim(name: string): void {
    this.taken.add(name.toLowerCase());
  }

  fresh(): string {
    for (let attempt = 0; attempt < (this.saturated ? 2 : 20); attempt += 1) {
      const name = characterName(this.rng);
      if (!this.taken.has(name.toLowerCase())) {
        this.claim(name);
        return name;
      }
    }
    this.saturated = true;
    for (;;) {
      this.counter += 1;
      const name = capitalise(`${this.rng.pick(STARTS)}${lettersOf(this.counter)}`.toLowerCase()).slice(0, 12);
      if (!this.taken.has(name.toLowerCase())) {
        this.claim(name);
        return name;
      }
    }
  }
}

/** Keeps usernames unique and in Discord's alphabet (a-z 0-9 _ ., 2–32 characters). */
class UsernameBook {
  private readonly taken = new Set<string>();
  constructor(private readonly rng: Rng) {}

  has(name: string): boolean {
    return this.taken.has(name);
  }

  claim(raw: string): string {
    let base = foldAccents(raw).toLowerCase().replace(/[^a-z0-9_.]/g, '').slice(0, 28);
    if (base.length < 2) base = `${base}user`.slice(0, 28);
    let name = base;
    while (this.taken.has(name)) name = `${base}${this.rng.int(0, 9999)}`;
    this.taken.add(name);
    return name;
  }

  /** A handle as people pick them: the main's name with a twist. */
  handleFor(main: string): string {
    const plain = foldAccents(main).toLowerCase();
    const style = this.rng.int(0, 5);
    const raw =
      style === 0 ? plain
        : style === 1 ? `${plain}${this.rng.int(1, 99)}`
          : style === 2 ? `${plain.slice(0, 4)}_${this.rng.pick(['wow', 'gaming', 'tv', 'plays'])}`
            : style === 3 ? `xx${plain}xx`
              : style === 4 ? `${plain}.${this.rng.pick(['wr', 'tank', 'heals', 'dps'])}`
                : `${this.rng.pick(FIRST_NAMES).toLowerCase()}${this.rng.int(1980, 2008)}`;
    return this.claim(raw);
  }
}

/** 18-digit user ids (accounts made 2016–2022), unique. */
class UserIdBook {
  private readonly taken = new Set<string>();
  constructor(private readonly rng: Rng) {}

  claim(id: string): string {
    this.taken.add(id);
    return id;
  }

  has(id: string): boolean {
    return this.taken.has(id);
  }

  fresh(): string {
    for (;;) {
      const ms = USER_IDS_FROM + Math.floor(this.rng.next() * (USER_IDS_UNTIL - USER_IDS_FROM));
      const id = snowflakeAt(ms, this.rng.int(0, 4095), this.rng.int(0, 31), this.rng.int(0, 31));
      if (!this.taken.has(id)) return this.claim(id);
    }
  }
}

// ---- The server ----

interface Officer {
  username: string;
  globalName: string;
  nick: string | null;
  main: string;
  rank: 0 | 1;
  player: string;
  style: DemoNameStyle;
}

/** The officers exactly as in the design: Discord names Trog, Mito, Rocket, Shodoom, Skate. */
const OFFICERS: Officer[] = [
  { username: 'trog', globalName: 'Mike', nick: 'Trogmoon', main: 'Trogmoon', rank: 0, player: 'Trog', style: 'nick-is-main' },
  { username: 'mito', globalName: 'Mito', nick: 'Bloodvalor', main: 'Bloodvalor', rank: 1, player: 'Mito', style: 'nick-is-main' },
  { username: 'rocket', globalName: 'Rocket', nick: 'Zatanna', main: 'Zatañña', rank: 1, player: 'Rocket', style: 'nick-accents-dropped' },
  { username: 'shodoom', globalName: 'Shodoom', nick: null, main: 'Shodoom', rank: 1, player: 'Shodoom', style: 'global-name-is-main' },
  { username: 'skate', globalName: 'Skate', nick: 'Skate | Skatefarm', main: 'Skatefarm', rank: 1, player: 'Skate', style: 'nick-tagged' },
];

const OTHER_BOTS = [
  { username: 'MEE6', discriminator: '4876' },
  { username: 'Dyno', discriminator: '3861' },
];

export function generateDemoDiscordServer({
  size = 160,
  seed = 1,
  now = Math.floor(Date.now() / DAY_MS) * DAY_MS,
  players,
  guildId = DEMO_GUILD_ID,
}: GenerateDemoDiscordServerOptions = {}): DemoDiscordServer {
  const rng = rngFrom(seed);
  const ids = new UserIdBook(rng);
  const names = new UsernameBook(rng);
  const createdAt = Math.min(snowflakeTime(guildId), now - 400 * DAY_MS);
  let madeAt = snowflakeTime(guildId);
  const laterId = () => {
    madeAt += rng.int(60_000, 3_600_000);
    return snowflakeAt(madeAt, 0, 1, 0);
  };
  const joinedAt = (minDaysAgo = 1) => {
    const span = Math.max(minDaysAgo + 1, Math.floor((now - createdAt) / DAY_MS));
    return discordTimestamp(now - rng.int(minDaysAgo, span) * DAY_MS - rng.int(0, DAY_MS - 1));
  };

  // Roles, lowest first; the bots' managed roles sit above the guild ranks.
  const everyone: DemoRole = { id: guildId, name: '@everyone', position: 0, color: 0, managed: false, permissions: PERMISSIONS.everyone, hoist: false, mentionable: false };
  const rankRole = (name: string, guildRank: number, color: number, permissions: string, position: number): DemoRole => ({
    id: laterId(), name, position, color, managed: false, permissions, hoist: guildRank <= 2, mentionable: true, guildRank,
  });
  const initiate = rankRole('Initiate', 4, 0x95a5a6, PERMISSIONS.member, 1);
  const member = rankRole('Member', 3, 0x2ecc71, PERMISSIONS.member, 2);
  const raider: DemoRole = { id: laterId(), name: 'Raider', position: 3, color: 0xe67e22, managed: false, permissions: PERMISSIONS.member, hoist: false, mentionable: true };
  const veteran = rankRole('Veteran', 2, 0x3498db, PERMISSIONS.member, 4);
  const officer = rankRole('Officer', 1, 0x9b59b6, PERMISSIONS.officer, 5);
  const gm = rankRole('GM', 0, 0xf1c40f, PERMISSIONS.administrator, 6);
  const rankRoleIds = [gm.id, officer.id, veteran.id, member.id, initiate.id];

  const category: DemoChannel = { id: laterId(), name: 'Text Channels', type: 4, position: 0, parent_id: null, topic: null };
  const general: DemoChannel = { id: laterId(), name: 'general', type: 0, position: 0, parent_id: category.id, topic: 'Pull All The Things — Horde, Sen\'jin' };
  const audit: DemoChannel = { id: laterId(), name: 'audit-channel', type: 0, position: 1, parent_id: category.id, topic: 'Roster and Discord audit reports (officers only)' };
  const voice: DemoChannel = { id: laterId(), name: 'Raid', type: 2, position: 0, parent_id: null, topic: null };

  const members = new Map<string, DemoDiscordMember>();
  const add = (m: DemoDiscordMember) => members.set(m.user.id, m);
  const person = (username: string, globalName: string | null): DemoUser => ({
    id: ids.fresh(), username, global_name: globalName, discriminator: '0', avatar: null,
  });
  const memberOf = (user: DemoUser, nick: string | null, roles: string[], demo: DemoMemberInfo, minDaysAgo?: number): DemoDiscordMember => ({
    user, nick, roles, joined_at: joinedAt(minDaysAgo), premium_since: null, pending: false, flags: 0, demo,
  });

  // Bots: ours first (its user id is its application id), each with its managed role.
  const botUser = { id: ids.fresh(), username: DEMO_BOT_USERNAME, global_name: null, discriminator: String(rng.int(1000, 9999)), avatar: null, bot: true as const };
  names.claim('pattsync');
  const bots: DemoUser[] = [botUser, ...OTHER_BOTS.map((b) => ({ id: ids.fresh(), username: b.username, global_name: null, discriminator: b.discriminator, avatar: null, bot: true }))];
  const botRoles: DemoRole[] = bots.map((b, i) => ({
    id: laterId(), name: b.username, position: 7 + (bots.length - 1 - i), color: 0, managed: true, permissions: PERMISSIONS.bot,
    hoist: false, mentionable: false, tags: { bot_id: b.id },
  }));

  // Officers.
  const officerMembers = OFFICERS.map((o) => {
    names.claim(o.username);
    return memberOf(person(o.username, o.globalName), o.nick, [o.rank === 0 ? gm.id : officer.id, raider.id], {
      kind: 'officer', player: o.player, mainCharacter: o.main, nameStyle: o.style,
    }, 700);
  });
  const owner = officerMembers[0]!;
  officerMembers.forEach(add);

  const fixedCount = OFFICERS.length + bots.length;
  const formers = Math.max(0, Math.min(Math.max(2, Math.round(size * 0.03)), size - fixedCount));
  const available = Math.max(0, size - fixedCount - formers);

  // Players of the game guild (the officers are already here).
  const officerNames = new Set(OFFICERS.map((o) => o.player.toLowerCase()));
  const mains = new MainBook(rng);
  OFFICERS.forEach((o) => mains.claim(o.main));
  let source: DemoPlayer[];
  if (players) {
    source = players.filter((p) => !officerNames.has(p.name.toLowerCase()));
    source.forEach((p) => mains.claim(p.mainCharacter));
  } else {
    source = [];
    const wanted = Math.round(available * 0.92);
    while (source.length < wanted) {
      const roll = rng.next();
      source.push({ name: '', mainCharacter: mains.fresh(), rank: roll < 0.2 ? 2 : roll < 0.98 ? 3 : 4 });
    }
  }

  let placed = 0;
  for (const p of source) {
    if (placed >= available) break;
    // A few players never joined the Discord server (given players only; generated ones all did).
    if (players && rng.chance(0.04)) continue;
    placed += 1;
    const username = p.name ? names.claim(p.name) : names.handleFor(p.mainCharacter);
    const { nick, globalName, style } = namesFor(rng, p.mainCharacter, username);
    const roles: string[] = [];
    const info: DemoMemberInfo = { kind: 'player', player: p.name || username, mainCharacter: p.mainCharacter, nameStyle: style };
    const roll = rng.next();
    if (p.rank === 4 || roll < 0.04) {
      // Initiates: the role is new and nobody holds it yet. Others were simply never given a role.
      info.gameRank = p.rank;
    } else if (roll < 0.08 && p.rank >= 2) {
      // Promoted or demoted in the game, Discord not updated.
      roles.push(rankRoleIds[p.rank === 2 ? 3 : 2]!);
      info.gameRank = p.rank;
    } else {
      roles.push(rankRoleIds[Math.min(Math.max(p.rank, 0), 3)]!);
    }
    if (roles.length > 0 && rng.chance(0.2)) roles.push(raider.id);
    add(memberOf(person(username, globalName), nick, roles, info));
  }

  // Former guild members who kept their Member/Veteran role.
  for (let i = 0; i < formers; i += 1) {
    const main = mains.fresh();
    const username = names.handleFor(main);
    const { nick, globalName, style } = namesFor(rng, main, username);
    const role = rng.chance(0.7) ? member.id : veteran.id;
    add(memberOf(person(username, globalName), nick, [role], { kind: 'former-guild-member', mainCharacter: main, nameStyle: style }, 200));
  }

  // Everyone else: friends, applicants, people from other guilds — no guild role.
  while (members.size < size - bots.length) {
    const first = rng.pick(FIRST_NAMES);
    const username = names.claim(rng.chance(0.5) ? `${first}${rng.int(1, 999)}` : `${rng.pick(STARTS)}${rng.pick(ENDS)}`);
    const globalName = rng.chance(0.6) ? first : null;
    const nick = rng.chance(0.2) ? `${first} ${rng.pick(EMOJI)}` : null;
    add(memberOf(person(username, globalName), nick, [], { kind: 'discord-only' }));
  }

  bots.forEach((b, i) => {
    add({ user: b, nick: null, roles: [botRoles[i]!.id], joined_at: joinedAt(30), premium_since: null, pending: false, flags: 0, demo: { kind: 'bot' } });
  });

  // Two people who already left the server (re-adding their id is a re-join).
  const departed = new Map<string, DepartedDemoMember>();
  for (let i = 0; i < 2; i += 1) {
    const main = mains.fresh();
    const username = names.handleFor(main);
    const left = memberOf(person(username, capitalise(username)), main, [], { kind: 'former-guild-member', mainCharacter: main, nameStyle: 'nick-is-main' }, 100);
    departed.set(left.user.id, { ...left, left_at: discordTimestamp(now - rng.int(5, 60) * DAY_MS) });
  }

  return {
    guildId,
    name: 'Pull All The Things',
    ownerId: owner.user.id,
    applicationId: botUser.id,
    botUser,
    roles: [everyone, initiate, member, raider, veteran, officer, gm, ...botRoles],
    channels: [category, general, audit, voice],
    members,
    departed,
    auditChannelId: audit.id,
    generalChannelId: general.id,
    rankRoleIds,
  };
}

function namesFor(rng: Rng, main: string, username: string): { nick: string | null; globalName: string | null; style: DemoNameStyle } {
  const folded = foldAccents(main);
  const handle = capitalise(username.replace(/[^a-z]/g, '').slice(0, 6)) || capitalise(username);
  const roll = rng.next();
  // Accented mains: half the time the nickname drops the accents (typing them is a chore).
  if (folded !== main && rng.chance(0.5)) return { nick: folded, globalName: rng.chance(0.5) ? handle : null, style: 'nick-accents-dropped' };
  if (roll < 0.55) return { nick: main, globalName: rng.chance(0.5) ? handle : null, style: 'nick-is-main' };
  if (roll < 0.63) return { nick: `${main.slice(0, 3)} | ${main}`, globalName: handle, style: 'nick-tagged' };
  if (roll < 0.68) return { nick: main.toLowerCase(), globalName: null, style: 'nick-lowercase' };
  if (roll < 0.7) return { nick: `${handle} ${rng.pick(EMOJI)}`, globalName: handle, style: 'nick-unrelated' };
  if (roll < 0.83) return { nick: null, globalName: main, style: 'global-name-is-main' };
  if (roll < 0.93) return { nick: null, globalName: handle, style: 'global-name-unrelated' };
  return { nick: null, globalName: null, style: 'no-names' };
}

// ---- Changes (data only; the stand-in adds the gateway events) ----

export class DemoServerError extends Error {
  override name = 'DemoServerError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

/** A fresh 18-digit user id nobody on the server (present or departed) has; `random` is a seeded PRNG. */
export function freshUserId(server: DemoDiscordServer, random: () => number): string {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  for (;;) {
    const ms = USER_IDS_FROM + Math.floor(random() * (USER_IDS_UNTIL - USER_IDS_FROM));
    const id = snowflakeAt(ms, int(0, 4095), int(0, 31), int(0, 31));
    if (!server.members.has(id) && !server.departed.has(id) && id !== server.botUser.id) return id;
  }
}

function checkRoles(server: DemoDiscordServer, roleIds: string[]): string[] {
  const known = new Set(server.roles.map((r) => r.id));
  for (const id of roleIds) {
    if (!known.has(id)) throw new DemoServerError(`unknown role ${id}`, 400);
    if (id === server.guildId) throw new DemoServerError('@everyone is implied, not assigned', 400);
  }
  return [...new Set(roleIds)];
}

/** Joins the server now; a departed user id re-joins (roles are gone, as on Discord). */
export function joinServer(
  server: DemoDiscordServer,
  m: NewDemoMember,
  { now = Date.now(), random = mulberry32(0x5eed) }: { now?: number; random?: () => number } = {},
): DemoDiscordMember {
  if (m.id !== undefined && !isSnowflake(m.id)) throw new DemoServerError(`${m.id} is not a snowflake`, 400);
  if (m.username.length < 2 || m.username.length > 32) throw new DemoServerError('a username has 2 to 32 characters', 400);
  if (m.id !== undefined && server.members.has(m.id)) throw new DemoServerError(`user ${m.id} is already a member`, 409);
  const roles = checkRoles(server, m.roles ?? []);
  const previous = m.id === undefined ? undefined : server.departed.get(m.id);
  const id = m.id ?? freshUserId(server, random);
  const user: DemoUser = {
    id,
    username: m.username,
    global_name: m.globalName !== undefined ? m.globalName : (previous?.user.global_name ?? null),
    discriminator: m.bot ? (previous?.user.discriminator ?? String(1000 + (Number(BigInt(id) % 9000n)))) : '0',
    avatar: previous?.user.avatar ?? null,
    ...(m.bot ? { bot: true } : {}),
  };
  const member: DemoDiscordMember = {
    user,
    nick: m.nick ?? null,
    roles,
    joined_at: discordTimestamp(now),
    premium_since: null,
    pending: false,
    flags: previous ? 1 : 0, // DID_REJOIN
    demo: previous?.demo ?? { kind: 'added' },
  };
  server.departed.delete(id);
  server.members.set(id, member);
  return member;
}

export function leaveServer(server: DemoDiscordServer, userId: string, now = Date.now()): DepartedDemoMember {
  const member = server.members.get(userId);
  if (!member) throw new DemoServerError(`user ${userId} is not a member`, 404);
  server.members.delete(userId);
  const departed = { ...member, left_at: discordTimestamp(now) };
  server.departed.set(userId, departed);
  return departed;
}

export function setRoles(server: DemoDiscordServer, userId: string, roleIds: string[]): DemoDiscordMember {
  const member = server.members.get(userId);
  if (!member) throw new DemoServerError(`user ${userId} is not a member`, 404);
  member.roles = checkRoles(server, roleIds);
  return member;
}

export function setNick(server: DemoDiscordServer, userId: string, nick: string | null): DemoDiscordMember {
  const member = server.members.get(userId);
  if (!member) throw new DemoServerError(`user ${userId} is not a member`, 404);
  if (nick !== null && (nick.length < 1 || nick.length > 32)) throw new DemoServerError('a nickname has 1 to 32 characters', 400);
  member.nick = nick;
  return member;
}

/**
 * Member ids in numeric order, cached while the set of members is unchanged. Tests may change
 * `server.members` directly, so the cache checks itself (same Map, same size, every id still there).
 */
export class MemberOrder {
  private ids: string[] = [];
  private from?: Map<string, DemoDiscordMember>;

  sorted(server: DemoDiscordServer): string[] {
    const map = server.members;
    if (this.from !== map || this.ids.length !== map.size || !this.ids.every((id) => map.has(id))) {
      this.ids = [...map.keys()].sort(compareSnowflakes);
      this.from = map;
    }
    return this.ids;
  }
}

export function findRole(server: DemoDiscordServer, name: string): DemoRole | undefined {
  return server.roles.find((r) => r.name.toLowerCase() === name.toLowerCase());
}
