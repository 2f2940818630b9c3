import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs the PATTSync addon under the real Lua 5.1 interpreter (addon/harness/run.lua with the WoW
 * stubs of wow.lua) through one game session described by an AddonScenario, and lets the harness
 * write the SavedVariables file the way the game does on /reload.
 */

export type RegionCode = 'US' | 'KR' | 'EU' | 'TW' | 'CN';

export interface LastOnline {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/** The values of one roster entry the game can hand out as WoW 12.0 secret values. */
export type RosterField =
  | 'name'
  | 'rankName'
  | 'rankIndex'
  | 'level'
  | 'className'
  | 'zone'
  | 'note'
  | 'officerNote'
  | 'online'
  | 'status'
  | 'classFile'
  | 'guid'
  | 'lastOnline';

/** One member as GetGuildRosterInfo(i) and GetGuildRosterLastOnline(i) give it. */
export interface AddonRosterEntry {
  /** `Name-Realm`, or just `Name`, as some clients give same-realm members. */
  name: string;
  rankName: string;
  rankIndex: number;
  level: number;
  /** Localised class name (classDisplayName). */
  className: string;
  /** Class token: MAGE, DEATHKNIGHT … */
  classFile: string;
  zone?: string;
  note: string;
  /** The note as officers see it; the stub returns "" when the player may not view officer notes, as the game does. */
  officerNote: string;
  online: boolean;
  /** 0 available, 1 away, 2 busy. */
  status?: number;
  achievementPoints?: number;
  achievementRank?: number;
  isMobile?: boolean;
  canSoR?: boolean;
  repStanding?: number;
  /** `Player-<realm id>-<8 hex>` */
  guid: string;
  /** What GetGuildRosterLastOnline returns for an offline member. */
  lastOnline?: LastOnline;
  /** Values the game hands out as secret for this member. */
  secret?: RosterField[];
}

/** A line typed into the chat box, after `afterSeconds` of game time (default 0). */
export interface AddonCommand {
  text: string;
  afterSeconds?: number;
}

export interface AddonScenario {
  /** time() at login, epoch seconds. */
  now: number;
  /** GetCurrentRegion(): the stub returns 1 US, 2 KR, 3 EU, 4 TW, 5 CN. */
  region: RegionCode;
  /** GetRealmName(), e.g. "Sen'jin". */
  realm: string;
  /** GetNormalizedRealmName(), e.g. "Senjin". */
  realmNormalized: string;
  /** UnitFactionGroup("player"). */
  faction?: 'Horde' | 'Alliance' | 'Neutral';
  /** UnitName("player") (without realm) and UnitGUID("player"). */
  player: { name: string; guid: string };
  /** GetGuildInfo("player"); absent or null: not in a guild (IsInGuild() is false). */
  guild?: { name: string; rankName: string; rankIndex: number } | null;
  /** C_GuildInfo.CanViewOfficerNote(). */
  canViewOfficerNote: boolean;
  /** The roster the server sends (GetGuildRosterInfo is empty until GUILD_ROSTER_UPDATE has fired). */
  roster: AddonRosterEntry[];
  /** When GUILD_ROSTER_UPDATE answers C_GuildInfo.GuildRoster(); 'never': the server never answers. Default 1 s. */
  rosterUpdate?: { afterSeconds: number } | 'never';
  /** The server ignores a roster request this soon after the previous one (default 10 s, as documented). */
  rosterThrottleSeconds?: number;
  /** Seconds after login at which GUILD_ROSTER_UPDATE fires without being asked (members logging in …). */
  unrequestedRosterUpdatesAt?: number[];
  /** IsInInstance()'s instanceType; default from inRaid / mythicPlus, else 'none'. */
  instanceType?: 'none' | 'party' | 'raid' | 'pvp' | 'arena' | 'scenario';
  /** In a raid instance (instanceType 'raid'). */
  inRaid?: boolean;
  /** A Mythic+ run is active: C_ChallengeMode.IsChallengeModeActive() and the ChallengeMode restriction. */
  mythicPlus?: boolean;
  /** Active C_RestrictedActions addon restrictions (WoW 12.0). */
  restrictions?: Array<'Combat' | 'Encounter' | 'ChallengeMode' | 'PvPMatch' | 'Map'>;
  /** Every value of every roster entry is secret. */
  secretRoster?: boolean;
  /** issecretvalue exists (a 12.0+ client); default true. */
  secretApi?: boolean;
  /** What the player types, in order. */
  commands: Array<string | AddonCommand>;
  /** Game time that passes after the last command before the /reload (default 60 s). */
  settleSeconds?: number;
}

export interface AddonRun {
  /** The chat lines of the session, in order. */
  chat: string[];
  /** 0 fine; 1 bad scenario; 2 a Lua error in the addon or an unsavable value; 3 leaked globals. */
  exitCode: number;
  /** The harness's complaints (Lua errors with tracebacks, leaked globals). */
  stderr: string;
}

// ---- JS → Lua literals -------------------------------------------------------------------------

/** A Lua string literal: `\`, `"`, newlines and control bytes escaped; UTF-8 written raw. */
export function luaString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 32 || code === 127) out += `\\${String(code).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A Lua literal for plain data. Object keys become `["key"]`; null and undefined members are left out. */
export function toLuaLiteral(value: unknown, where = 'value'): string {
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'string':
      return luaString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${where}: Lua has no literal for ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `{${value
          .map((item, i) => {
            if (item === null || item === undefined) throw new Error(`${where}[${i}]: a Lua list cannot hold nil`);
            return toLuaLiteral(item, `${where}[${i}]`);
          })
          .join(', ')}}`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new Error(`${where}: only plain objects become Lua tables`);
      const fields = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => `[${luaString(k)}] = ${toLuaLiteral(v, `${where}.${k}`)}`);
      return `{${fields.join(', ')}}`;
    }
    default:
      throw new Error(`${where}: a ${typeof value} has no Lua literal`);
  }
}

// ---- Running -----------------------------------------------------------------------------------

/** addon/harness, found from this file whether it runs from the sources or from dist/. */
export function harnessDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'run.lua')) && fs.existsSync(path.join(dir, 'wow.lua'))) return dir;
    const candidate = path.join(dir, 'addon', 'harness');
    if (fs.existsSync(path.join(candidate, 'run.lua'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`addon/harness/run.lua not found above ${__dirname}`);
  }
}

/**
 * One session: writes the scenario as a Lua file, runs `lua5.1 run.lua <scenario> <outFile>`
 * (LUA_BIN overrides the interpreter), and returns the chat. `outFile` is read first if it exists
 * (the previous session's SavedVariables) and written at the end, as the game does.
 */
export async function runAddon(scenario: AddonScenario, outFile: string): Promise<AddonRun> {
  const lua = process.env.LUA_BIN || 'lua5.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pattsync-scenario-'));
  const scenarioFile = path.join(dir, 'scenario.lua');
  fs.writeFileSync(scenarioFile, `return ${toLuaLiteral(scenario, 'scenario')}\n`, 'utf8');
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  try {
    return await new Promise<AddonRun>((resolve, reject) => {
      const child = spawn(lua, [path.join(harnessDir(), 'run.lua'), scenarioFile, path.resolve(outFile)], {
        env: { ...process.env, TZ: 'UTC' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e.code === 'ENOENT' ? new Error(`${lua} not found: apt-get install lua5.1`) : e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const text = Buffer.concat(out).toString('utf8');
        const chat = text === '' ? [] : text.replace(/\n$/, '').split('\n');
        resolve({ chat, exitCode: code ?? (signal ? 128 : 1), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- The demo guild as the game would show it ---------------------------------------------------

/** The character shape of standins/blizzard/demoGuild.ts that a roster needs. */
export interface DemoRosterCharacter {
  name: string;
  realm: { slug: string; name: string; id?: number };
  level: number;
  className: string;
  /** 0 Guild Leader … 4 Initiate */
  rank: number;
  /** Who plays it (the Discord name for officers). */
  player: string;
  isMain: boolean;
  id?: number;
  /** ms since epoch */
  lastLoginAt?: number;
}

export interface DemoScenarioOptions extends Partial<Omit<AddonScenario, 'roster'>> {
  /** The exporting character's name (default: the guild leader, rank 0). */
  exporterName?: string;
  /** The guild's realm (default Sen'jin). */
  guildRealm?: { slug: string; name: string; id?: number };
  guildName?: string;
  /** Give members on the guild's realm without `-Realm`, as some clients do (default true). */
  shortSameRealmNames?: boolean;
}

export const RANK_NAMES = ['Guild Leader', 'Officer', 'Veteran', 'Member', 'Initiate'];

/** GetNormalizedRealmName's form: no spaces, hyphens or apostrophes ("Sen'jin" → "Senjin"). */
export function normalizeRealm(realmName: string): string {
  return realmName.replace(/[\s'\-]/g, '');
}

/** DEATHKNIGHT from "Death Knight". */
export function classToken(className: string): string {
  return className.toUpperCase().replace(/[^A-Z]/g, '');
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0').slice(-8);
}

function stringHash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
  return h >>> 0;
}

function lastOnlineFrom(lastLoginAt: number | undefined, nowSeconds: number, i: number): LastOnline {
  const hoursAgo = lastLoginAt !== undefined ? Math.max(0, Math.floor((nowSeconds * 1000 - lastLoginAt) / 3_600_000)) : 3 + ((i * 37) % 500);
  const years = Math.floor(hoursAgo / (24 * 365));
  const months = Math.floor((hoursAgo % (24 * 365)) / (24 * 30));
  const days = Math.floor(((hoursAgo % (24 * 365)) % (24 * 30)) / 24);
  return { years, months, days, hours: hoursAgo % 24 };
}

/**
 * A scenario showing `characters` as the game's guild roster: `Name-Realm` keys (same-realm members
 * often without the realm), GUIDs from realm and character ids, rank names, mains' public notes
 * "Main", alts' "Alt of <main>", officer notes "Discord: <player>", every few members a note with
 * quotes, a backslash, a line break, colour codes or non-ASCII text, and one in six online.
 */
export function demoScenario(characters: DemoRosterCharacter[], options: DemoScenarioOptions = {}): AddonScenario {
  const { exporterName, guildRealm = { slug: 'senjin', name: "Sen'jin", id: 3724 }, guildName = 'Pull All The Things', shortSameRealmNames = true, ...overrides } = options;
  const now = overrides.now ?? 1_764_000_000;
  const mains = new Map<string, string>();
  for (const c of characters) if (c.isMain && !mains.has(c.player)) mains.set(c.player, c.name);
  const exporterIndex = Math.max(
    0,
    characters.findIndex((c) => (exporterName ? c.name === exporterName : c.rank === 0)),
  );
  const exporter = characters[exporterIndex];
  const playerRealm = exporter?.realm ?? guildRealm;

  const roster: AddonRosterEntry[] = characters.map((c, i) => {
    // The game leaves the realm off some members on the player's own realm.
    const sameRealm = c.realm.slug === playerRealm.slug;
    const fullName = `${c.name}-${normalizeRealm(c.realm.name)}`;
    const realmId = c.realm.id ?? (stringHash(c.realm.slug) % 4000) + 1;
    const main = mains.get(c.player);
    let note = c.isMain ? 'Main' : main ? `Alt of ${main}` : 'Alt';
    let officerNote = `Discord: ${c.player}`;
    // Notes as people really type them, every few members.
    if (i % 7 === 3) note = c.isMain ? 'Main "tank"' : `Alt of "${main ?? c.player}"`;
    if (i % 11 === 5) officerNote = `Discord: ${c.player} \\ bank`;
    if (i % 13 === 6) officerNote = `Discord: ${c.player}\nTrial ends Friday`;
    if (i % 17 === 8) note = `${note} |cFFFF0000raider|r`;
    if (i % 19 === 9) note = `${note} – Zatañña's crew`;
    const online = i % 6 === 0 || i === exporterIndex;
    return {
      name: shortSameRealmNames && sameRealm && i % 2 === 0 ? c.name : fullName,
      rankName: RANK_NAMES[c.rank] ?? `Rank ${c.rank}`,
      rankIndex: c.rank,
      level: c.level,
      className: c.className,
      classFile: classToken(c.className),
      zone: online ? 'Silvermoon City' : '',
      note,
      officerNote,
      online,
      guid: `Player-${realmId}-${hex8(c.id ?? stringHash(`${c.realm.slug}/${c.name}`))}`,
      ...(online ? {} : { lastOnline: lastOnlineFrom(c.lastLoginAt, now, i) }),
    };
  });

  const exporterEntry = roster[exporterIndex];
  const rankIndex = exporter?.rank ?? 0;
  return {
    now,
    region: 'US',
    realm: playerRealm.name,
    realmNormalized: normalizeRealm(playerRealm.name),
    faction: 'Horde',
    player: { name: exporter?.name ?? 'Trogmoon', guid: exporterEntry?.guid ?? 'Player-3724-0A1B2C3D' },
    guild: { name: guildName, rankName: RANK_NAMES[rankIndex] ?? `Rank ${rankIndex}`, rankIndex },
    canViewOfficerNote: rankIndex <= 1,
    commands: ['/pattsync'],
    ...overrides,
    roster,
  };
}
