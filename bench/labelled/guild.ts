/**
 * A labelled guild: roster, Discord server and the officers' sheet as the syncs and the sheet
 * export leave them, plus what a careful officer knows about it. The labels never look at what the
 * engine does; they say who really owns what and how sure the evidence lets anyone be.
 */
import type { AuditRule } from '../../core/audit/types';

/**
 * auto: the evidence makes it certain, link without an officer. suggest: true, but fuzzy evidence:
 * an officer must confirm. never: must never be linked nor suggested.
 */
export type Verdict = 'auto' | 'suggest' | 'never';

export interface GuildCharacter {
  /** `Name-realmslug`: the natural key labels use. */
  key: string;
  name: string;
  realmSlug: string;
  rank: number;
  level: number;
  inGuild: boolean;
  leftDaysAgo: number | null;
  /** Earlier names (same realm), newest last: a rename keeps the Blizzard id. */
  previousNames: string[];
  guildNote: string | null;
  officerNote: string | null;
  lastLoginDaysAgo: number | null;
  /** Blizzard's profile has 404'd for this many days (renamed, transferred, private). */
  unavailableDays: number | null;
  /** The player (labels' own key) who really plays it. */
  owner: string;
}

export interface GuildMember {
  discordUserId: string;
  username: string;
  globalName: string | null;
  nickname: string | null;
  /** Guild ranks (0 GM … 4 Initiate) of the guild roles held. */
  roles: number[];
  bot: boolean;
  /** Left the Discord server this many days ago (the row stays). */
  departedDaysAgo: number | null;
  /** The player behind it; null for bots. */
  owner: string | null;
}

export interface PairLabel {
  character: string;
  member: string;
  verdict: Verdict;
  why?: string;
}

/**
 * A finding officers expect in #audit-channel. subject: `player:<owner>` (person findings, and a
 * character without Discord: officers think of the player), `char:<Name-realm>` or `@<username>`.
 */
export interface ExpectedFinding {
  rule: AuditRule;
  subject: string;
  why?: string;
}

export interface LabelledGuild {
  name: string;
  guildRealmSlug: string;
  realms: { slug: string; name: string }[];
  characters: GuildCharacter[];
  members: GuildMember[];
  /** Each player's main, as the player would name it (null: none in the data). */
  mains: Map<string, string | null>;
  sheet: { discordIdsCsv: string; charactersCsv: string };
  pairs: PairLabel[];
  findings: ExpectedFinding[];
}

export const REALMS = [
  { slug: 'senjin', name: "Sen'jin" },
  { slug: 'tichondrius', name: 'Tichondrius' },
  { slug: 'alterac-mountains', name: 'Alterac Mountains' },
  { slug: 'bleeding-hollow', name: 'Bleeding Hollow' },
  { slug: 'area-52', name: 'Area 52' },
  { slug: 'moon-guard', name: 'Moon Guard' },
];

export interface CharSpec {
  name: string;
  realm?: string;
  rank?: number;
  level?: number;
  note?: string;
  officer?: string;
  /** Left the guild this many days ago. */
  left?: number;
  previous?: string[];
  login?: number;
  unavailable?: number;
  /** The verdict for this character with each of the player's (present, human) accounts; omitted: no evidence at all. */
  v?: Verdict;
  why?: string;
}

export interface MemberSpec {
  username: string;
  globalName?: string;
  nickname?: string;
  roles?: number[];
  bot?: boolean;
  departed?: number;
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvLine = (cells: string[]) => cells.map(csvCell).join(',');

/** Builds a labelled guild player by player; findings that follow from the labels are derived in build(). */
export class GuildBuilder {
  private readonly chars: GuildCharacter[] = [];
  private readonly members: GuildMember[] = [];
  private readonly mains = new Map<string, string | null>();
  private readonly pairs: PairLabel[] = [];
  private readonly extraFindings: ExpectedFinding[] = [];
  private readonly idRows: string[][] = [];
  private readonly charRows: string[][] = [];
  private nextUser = 0;

  constructor(
    readonly name: string,
    readonly guildRealmSlug = 'senjin',
    private readonly userIdBase = 1_045_367_129_850_000_000n,
  ) {}

  /** Each player's main character key so far (null: none). */
  playerMains(): [owner: string, main: string | null][] {
    return [...this.mains];
  }

  userId(username: string): string {
    const m = this.members.find((x) => x.username === username);
    if (!m) throw new Error(`labelled guild ${this.name}: no member ${username}`);
    return m.discordUserId;
  }

  charKey(name: string, realm = this.guildRealmSlug): string {
    return `${name}-${realm}`;
  }

  /** One player: a main (by name), characters and Discord accounts, and the verdict of each character with each account. */
  player(owner: string, main: string | null, chars: CharSpec[], accounts: MemberSpec[] = []): this {
    if (this.mains.has(owner)) throw new Error(`labelled guild ${this.name}: player ${owner} twice`);
    this.mains.set(owner, main === null ? null : this.charKey(main, chars.find((c) => c.name === main)?.realm));
    for (const a of accounts) this.member(a, owner);
    for (const c of chars) {
      const key = this.charKey(c.name, c.realm);
      if (this.chars.some((x) => x.key === key)) throw new Error(`labelled guild ${this.name}: character ${key} twice`);
      this.chars.push({
        key,
        name: c.name,
        realmSlug: c.realm ?? this.guildRealmSlug,
        rank: c.rank ?? 3,
        level: c.level ?? 80,
        inGuild: c.left === undefined,
        leftDaysAgo: c.left ?? null,
        previousNames: c.previous ?? [],
        guildNote: c.note ?? null,
        officerNote: c.officer ?? null,
        lastLoginDaysAgo: c.login ?? 1,
        unavailableDays: c.unavailable ?? null,
        owner,
      });
      if (c.v) for (const a of accounts) if (!a.bot && a.departed === undefined) this.pairs.push({ character: key, member: a.username, verdict: c.v, ...(c.why ? { why: c.why } : {}) });
    }
    return this;
  }

  /** A Discord account; owner null for bots, else the player (a visitor is a player with no characters). */
  member(m: MemberSpec, owner: string | null): this {
    if (this.members.some((x) => x.username === m.username)) throw new Error(`labelled guild ${this.name}: member ${m.username} twice`);
    if (owner !== null && !this.mains.has(owner)) this.mains.set(owner, null);
    this.members.push({
      discordUserId: String(this.userIdBase + BigInt(++this.nextUser * 7919)),
      username: m.username,
      globalName: m.globalName ?? null,
      nickname: m.nickname ?? null,
      roles: m.roles ?? [],
      bot: m.bot ?? false,
      departedDaysAgo: m.departed ?? null,
      owner,
    });
    return this;
  }

  pair(character: string, member: string, verdict: Verdict, why?: string): this {
    this.pairs.push({ character, member, verdict, ...(why ? { why } : {}) });
    return this;
  }

  finding(rule: AuditRule, subject: string, why?: string): this {
    this.extraFindings.push({ rule, subject, ...(why ? { why } : {}) });
    return this;
  }

  /** A DiscordIDs row: the Discord name as the officer typed it, the id as pasted. */
  sheetId(discordName: string, discordId: string): this {
    this.idRows.push([discordName, discordId]);
    return this;
  }

  /** A Characters row: Discord name, character, class, spec, role, main/alt, as typed. */
  sheetChar(discordName: string, character: string, cls: string, spec: string, role: string, mainAlt: string): this {
    this.charRows.push([discordName, character, cls, spec, role, mainAlt]);
    return this;
  }

  build(): LabelledGuild {
    const chars = new Set(this.chars.map((c) => c.key));
    const users = new Set(this.members.map((m) => m.username));
    for (const p of this.pairs) {
      if (!chars.has(p.character) || !users.has(p.member)) throw new Error(`labelled guild ${this.name}: label on unknown pair ${p.character} ↔ @${p.member}`);
    }
    const guild: LabelledGuild = {
      name: this.name,
      guildRealmSlug: this.guildRealmSlug,
      realms: REALMS,
      characters: this.chars,
      members: this.members,
      mains: this.mains,
      sheet: {
        discordIdsCsv: [csvLine(['Discord Name', 'Discord ID']), ...this.idRows.map(csvLine)].join('\n') + '\n',
        charactersCsv: [csvLine(['Discord Name', 'Character', 'Class', 'Spec', 'Role', 'Main/Alt']), ...this.charRows.map(csvLine)].join('\n') + '\n',
      },
      pairs: dedupePairs(this.pairs),
      findings: [],
    };
    guild.findings = dedupeFindings([...officerFindings(guild, this.extraFindings), ...this.extraFindings]);
    return guild;
  }
}

/** A later label on the same pair overrides an earlier one (a player's default, then a case). */
function dedupePairs(pairs: PairLabel[]): PairLabel[] {
  const byPair = new Map<string, PairLabel>();
  for (const p of pairs) byPair.set(`${p.character}\u0000${p.member}`, p);
  return [...byPair.values()];
}

function dedupeFindings(findings: ExpectedFinding[]): ExpectedFinding[] {
  const seen = new Map<string, ExpectedFinding>();
  for (const f of findings) if (!seen.has(`${f.rule} ${f.subject}`)) seen.set(`${f.rule} ${f.subject}`, f);
  return [...seen.values()];
}

const STALE_DAYS = 30;
const UNAVAILABLE_DAYS = 3;

/**
 * The routine findings an officer expects once the certain links (and only those) are in place:
 * worked out from the labels and the guild's facts, by the officer's reasoning written here, not
 * by the audit code. Findings that need an officer's reading of notes or the sheet (a typo'd main,
 * a contradiction, a double claim) are labelled by hand with finding().
 */
export function officerFindings(g: LabelledGuild, byHand: ExpectedFinding[] = []): ExpectedFinding[] {
  const out: ExpectedFinding[] = [];
  // A character whose sources disagree (or that two sheet rows claim) is told by that finding alone.
  const settledByHand = new Set(byHand.filter((f) => f.rule === 'sources_disagree' || f.rule === 'character_claimed_by_two_rows').map((f) => f.subject.replace(/^char:/, '')));
  const present = (m: GuildMember) => !m.bot && m.departedDaysAgo === null;
  const auto = new Set(g.pairs.filter((p) => p.verdict === 'auto').map((p) => `${p.character}\u0000${p.member}`));
  const suggest = new Set(g.pairs.filter((p) => p.verdict === 'suggest').map((p) => `${p.character}\u0000${p.member}`));
  const players = new Set(g.mains.keys());
  for (const owner of players) {
    const chars = g.characters.filter((c) => c.owner === owner);
    const accounts = g.members.filter((m) => m.owner === owner && present(m));
    const certain = (c: GuildCharacter) => accounts.some((m) => auto.has(`${c.key}\u0000${m.username}`));
    const certainAccounts = accounts.filter((m) => chars.some((c) => auto.has(`${c.key}\u0000${m.username}`)));
    const inGuild = chars.filter((c) => c.inGuild && !settledByHand.has(c.key));
    const linkedInGuild = inGuild.filter(certain);
    // One player, one story: an account with a guild role and a character of theirs that only a
    // suggestion pairs are one finding ("these look like the same player: confirm"), never two.
    const paired = accounts.filter((m) => !certainAccounts.includes(m) && m.roles.length > 0 && inGuild.some((c) => !certain(c) && suggest.has(`${c.key}\u0000${m.username}`)));
    // Characters a suggestion pairs with one of the player's accounts are told by that story; the rest still need one.
    const suggested = (c: GuildCharacter) => accounts.some((m) => suggest.has(`${c.key}\u0000${m.username}`));
    if (paired.length > 0) out.push({ rule: 'same_player_suggested', subject: `player:${owner}`, why: 'a suggestion pairs their account and character' });
    if (paired.length > 0 ? inGuild.some((c) => !certain(c) && !suggested(c)) : inGuild.length > 0 && (certainAccounts.length === 0 || linkedInGuild.length < inGuild.length)) {
      out.push({ rule: 'character_without_discord', subject: `player:${owner}`, why: 'a character in the guild with no certain Discord account' });
    }
    if (certainAccounts.length > 1 && linkedInGuild.length > 0) out.push({ rule: 'character_claimed_twice', subject: `player:${owner}`, why: 'two accounts certain for one player' });
    const named = g.mains.get(owner);
    const main = linkedInGuild.find((c) => c.key === named) ?? [...linkedInGuild].sort((a, b) => a.rank - b.rank)[0];
    for (const m of accounts) {
      if (!certainAccounts.includes(m)) {
        if (m.roles.length > 0 && !paired.includes(m)) out.push({ rule: 'discord_without_character', subject: `@${m.username}`, why: 'guild role, no certain character' });
        continue;
      }
      if (!main) {
        if (m.roles.length === 0) continue;
        const departed = chars.some((c) => !c.inGuild && certain(c));
        out.push({ rule: departed ? 'departed_with_roles' : 'discord_without_character', subject: `@${m.username}` });
      } else if (m.roles.length === 0) out.push({ rule: 'member_without_role', subject: `@${m.username}` });
      else if (Math.min(...m.roles) !== main.rank) out.push({ rule: 'rank_role_mismatch', subject: `@${m.username}` });
    }
    if (main && main.lastLoginDaysAgo !== null && main.lastLoginDaysAgo > STALE_DAYS) out.push({ rule: 'stale_character', subject: `char:${main.key}` });
  }
  for (const m of g.members) if (present(m) && m.owner === null && m.roles.length > 0) out.push({ rule: 'discord_without_character', subject: `@${m.username}` });
  for (const c of g.characters) if (c.inGuild && c.unavailableDays !== null && c.unavailableDays > UNAVAILABLE_DAYS) out.push({ rule: 'character_unavailable', subject: `char:${c.key}` });
  return out;
}
