import type { Knex } from 'knex';
import type { Evidence } from '../../../core/identity/matching';

/** What officers read: persons with every link and its reasons, and who is not linked yet. */

export interface Page {
  page: number;
  pageSize: number;
}

export interface CharacterView {
  id: number;
  name: string;
  realmSlug: string;
  realmName: string | null;
  rank: number | null;
  level: number | null;
  className: string | null;
  inGuild: boolean;
}

export interface DiscordMemberView {
  id: number;
  discordUserId: string;
  username: string;
  displayName: string;
  present: boolean;
}

export interface LinkView {
  id: number;
  status: 'suggested' | 'confirmed' | 'rejected';
  source: string;
  confidence: number;
  evidence: Evidence[];
  decidedBy: string | null;
  reason: string | null;
  flag: { reason: string; evidence: Evidence[] } | null;
  character: CharacterView | null;
  discordMember: DiscordMemberView | null;
}

export interface PersonView {
  id: number;
  displayName: string;
  namedBy: string | null;
  main: CharacterView | null;
  links: LinkView[];
}

export interface PersonsFilter extends Page {
  /** Only persons with a suggestion to decide, or with a flagged link. */
  needs?: 'suggestion' | 'flag';
  /** Name of the person, a character or a Discord account (case-insensitive, part of it). */
  search?: string;
  personId?: number;
}

const characterView = (r: Record<string, any>, p = 'c_'): CharacterView => ({
  id: r[`${p}id`],
  name: r[`${p}name`],
  realmSlug: r[`${p}realm_slug`],
  realmName: r[`${p}realm_name`],
  rank: r[`${p}rank`],
  level: r[`${p}level`],
  className: r[`${p}class_name`],
  inGuild: r[`${p}in_guild`],
});

const memberView = (r: Record<string, any>, p = 'm_'): DiscordMemberView => ({
  id: r[`${p}id`],
  discordUserId: r[`${p}discord_user_id`],
  username: r[`${p}username`],
  displayName: r[`${p}nickname`] ?? r[`${p}global_name`] ?? r[`${p}username`],
  present: r[`${p}departed_at`] === null,
});

const CHARACTER_COLUMNS = ['id', 'name', 'realm_slug', 'realm_name', 'rank', 'level', 'class_name', 'in_guild'];
const MEMBER_COLUMNS = ['id', 'discord_user_id', 'username', 'global_name', 'nickname', 'departed_at'];
const prefixed = (table: string, cols: string[], p: string) => cols.map((c) => `${table}.${c} as ${p}${c}`);

export async function listPersons(knex: Knex, guildId: number, f: PersonsFilter): Promise<{ total: number; persons: PersonView[] }> {
  const base = knex('persons').where('persons.guild_id', guildId);
  if (f.personId !== undefined) base.where('persons.id', f.personId);
  if (f.needs === 'suggestion') base.whereExists((q) => q.select(1).from('identity_links as l').whereRaw('l.person_id = persons.id').where('l.status', 'suggested'));
  if (f.needs === 'flag') base.whereExists((q) => q.select(1).from('identity_links as l').whereRaw('l.person_id = persons.id').whereNotNull('l.flag'));
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, (x) => `\\${x}`)}%`;
    base.where((w) =>
      w
        .whereILike('persons.display_name', like)
        .orWhereExists((q) =>
          q
            .select(1)
            .from('identity_links as l')
            .leftJoin('wow_characters as c', 'c.id', 'l.wow_character_id')
            .leftJoin('discord_members as m', 'm.id', 'l.discord_member_id')
            .whereRaw('l.person_id = persons.id')
            .whereNot('l.status', 'rejected')
            .where((x) => x.whereILike('c.name', like).orWhereILike('m.username', like).orWhereILike('m.global_name', like).orWhereILike('m.nickname', like)),
        ),
    );
  }
  const [{ n }] = await base.clone().count<{ n: string }[]>('* as n');
  const rows = await base
    .clone()
    .leftJoin('wow_characters as main', 'main.id', 'persons.main_character_id')
    .orderByRaw('lower(persons.display_name), persons.id')
    .offset((f.page - 1) * f.pageSize)
    .limit(f.pageSize)
    .select('persons.id', 'persons.display_name', 'persons.named_by', ...prefixed('main', CHARACTER_COLUMNS, 'c_'));
  const ids = rows.map((r) => r.id as number);
  const links = ids.length === 0 ? [] : await linksOf(knex, ids);
  return {
    total: Number(n),
    persons: rows.map((r) => ({
      id: r.id,
      displayName: r.display_name,
      namedBy: r.named_by,
      main: r.c_id === null ? null : characterView(r),
      links: links.filter((l) => l.personId === r.id).map(({ personId: _p, ...l }) => l),
    })),
  };
}

async function linksOf(knex: Knex, personIds: number[]): Promise<(LinkView & { personId: number })[]> {
  const rows = await knex('identity_links as l')
    .leftJoin('wow_characters as c', 'c.id', 'l.wow_character_id')
    .leftJoin('discord_members as m', 'm.id', 'l.discord_member_id')
    .whereIn('l.person_id', personIds)
    // Confirmed first, then suggestions by confidence, then rejections; characters before accounts.
    .orderByRaw("CASE l.status WHEN 'confirmed' THEN 0 WHEN 'suggested' THEN 1 ELSE 2 END, l.discord_member_id IS NOT NULL, l.confidence DESC, c.name, l.id")
    .select('l.*', ...prefixed('c', CHARACTER_COLUMNS, 'c_'), ...prefixed('m', MEMBER_COLUMNS, 'm_'));
  return rows.map((r) => ({
    personId: r.person_id,
    id: r.id,
    status: r.status,
    source: r.source,
    confidence: Number(r.confidence),
    evidence: r.evidence,
    decidedBy: r.decided_by,
    reason: r.reason,
    flag: r.flag,
    character: r.c_id === null ? null : characterView(r),
    discordMember: r.m_id === null ? null : memberView(r),
  }));
}

export interface WowOrphan {
  character: CharacterView;
  personId: number | null;
  /** no_person: not linked to anyone yet; no_discord_account: its person has no Discord account. */
  reason: 'no_person' | 'no_discord_account';
  suggestions: number;
}

/** Characters on the roster nobody can reach on Discord: no person, or a person with no account. */
export async function wowOrphans(knex: Knex, guildId: number, p: Page): Promise<{ total: number; orphans: WowOrphan[] }> {
  const base = knex('wow_characters as c')
    .leftJoin('identity_links as l', (j) => j.on('l.wow_character_id', 'c.id').andOnVal('l.status', 'confirmed'))
    .where({ 'c.guild_id': guildId, 'c.in_guild': true })
    .whereNotExists((q) =>
      q.select(1).from('identity_links as d').whereRaw('d.person_id = l.person_id').where('d.status', 'confirmed').whereNotNull('d.discord_member_id'),
    );
  const [{ n }] = await base.clone().count<{ n: string }[]>('* as n');
  const rows = await base
    .clone()
    .orderBy([{ column: 'c.rank', order: 'asc' }, { column: 'c.name', order: 'asc' }, { column: 'c.id', order: 'asc' }])
    .offset((p.page - 1) * p.pageSize)
    .limit(p.pageSize)
    .select(...prefixed('c', CHARACTER_COLUMNS, 'c_'), 'l.person_id')
    .select(knex.raw("(SELECT count(*)::int FROM identity_links s WHERE s.person_id = l.person_id AND s.status = 'suggested' AND s.discord_member_id IS NOT NULL) AS suggestions"));
  return {
    total: Number(n),
    orphans: rows.map((r) => ({ character: characterView(r), personId: r.person_id, reason: r.person_id === null ? 'no_person' : 'no_discord_account', suggestions: r.suggestions ?? 0 })),
  };
}

export interface DiscordOrphan {
  discordMember: DiscordMemberView;
  personId: number | null;
  /** no_person: linked to nobody; no_character_in_guild: its person has no character in the guild. */
  reason: 'no_person' | 'no_character_in_guild';
  suggestions: number;
}

/** Discord accounts on the server (bots aside) with no character in the guild behind them. */
export async function discordOrphans(knex: Knex, guildId: number, p: Page): Promise<{ total: number; orphans: DiscordOrphan[] }> {
  const base = knex('discord_members as m')
    .leftJoin('identity_links as l', (j) => j.on('l.discord_member_id', 'm.id').andOnVal('l.status', 'confirmed'))
    .where({ 'm.guild_id': guildId, 'm.is_bot': false })
    .whereNull('m.departed_at')
    .whereNotExists((q) =>
      q
        .select(1)
        .from('identity_links as d')
        .join('wow_characters as dc', 'dc.id', 'd.wow_character_id')
        .whereRaw('d.person_id = l.person_id')
        .where({ 'd.status': 'confirmed', 'dc.in_guild': true }),
    );
  const [{ n }] = await base.clone().count<{ n: string }[]>('* as n');
  const rows = await base
    .clone()
    .orderByRaw('lower(m.username), m.id')
    .offset((p.page - 1) * p.pageSize)
    .limit(p.pageSize)
    .select(...prefixed('m', MEMBER_COLUMNS, 'm_'), 'l.person_id')
    .select(knex.raw("(SELECT count(*)::int FROM identity_links s WHERE s.discord_member_id = m.id AND s.status = 'suggested') AS suggestions"));
  return {
    total: Number(n),
    orphans: rows.map((r) => ({ discordMember: memberView(r), personId: r.person_id, reason: r.person_id === null ? 'no_person' : 'no_character_in_guild', suggestions: r.suggestions ?? 0 })),
  };
}

export interface LinkTotals {
  persons: number;
  confirmed: number;
  suggested: number;
  rejected: number;
  flagged: number;
}

/** How many persons and links of each kind a guild has (also inside a transaction). */
export async function linkTotals(db: Knex | Knex.Transaction, guildId: number): Promise<LinkTotals> {
  const row = await db('identity_links')
    .where({ guild_id: guildId })
    .select(
      db.raw("count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed"),
      db.raw("count(*) FILTER (WHERE status = 'suggested')::int AS suggested"),
      db.raw("count(*) FILTER (WHERE status = 'rejected')::int AS rejected"),
      db.raw('count(*) FILTER (WHERE flag IS NOT NULL)::int AS flagged'),
    )
    .first();
  const [{ n }] = await db('persons').where({ guild_id: guildId }).count<{ n: string }[]>('* as n');
  return { persons: Number(n), confirmed: row.confirmed, suggested: row.suggested, rejected: row.rejected, flagged: row.flagged };
}

/** Counts for the status page and the CLI. */
export async function identitySummary(knex: Knex, guildId: number): Promise<LinkTotals & { wowOrphans: number; discordOrphans: number }> {
  const totals = await linkTotals(knex, guildId);
  const wow = await wowOrphans(knex, guildId, { page: 1, pageSize: 1 });
  const discord = await discordOrphans(knex, guildId, { page: 1, pageSize: 1 });
  return { ...totals, wowOrphans: wow.total, discordOrphans: discord.total };
}
