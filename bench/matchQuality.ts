import path from 'node:path';
import pino from 'pino';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import { createKnex, migrateToLatest, type Knex } from '../db/knex';
import { runAudit } from '../db/operations/audit/runAudit';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { importSheet, type SheetImportReport } from '../db/operations/identity/importSheet';
import { runIdentity } from '../db/operations/identity/runIdentity';
import { dropDatabase, ensureDatabase, providePostgres } from '../scripts/provision/postgres';
import { getFreePort } from '../scripts/provision/waitFor';
import { generatedGuild } from './labelled/generatedGuild';
import type { LabelledGuild, Verdict } from './labelled/guild';
import { handGuild } from './labelled/handGuild';

/**
 * `npm run bench -- match-quality [--seeds 1,2,3] [--size 300,150]`: the real pipeline (seed, sheet
 * import, identity run, audit) on labelled guilds, scored against what a careful officer knows.
 */

const PROJECT = path.resolve(__dirname, '..', '..');
const DAY = 86_400_000;
const ROLE_ID = (rank: number) => `93000000000000000${rank}`;
const RAIDER_ROLE = '930000000000000010';
const BOT_ROLE = '930000000000000011';

export interface SeededIds {
  characterId: Map<string, number>;
  memberId: Map<string, number>;
}

/** The guild's rows as the roster sync, the addon import and the Discord sync leave them. */
export async function seedLabelledGuild(knex: Knex, guildId: number, guild: LabelledGuild, now: number): Promise<SeededIds> {
  const ago = (days: number | null) => (days === null ? null : new Date(now - days * DAY));
  const realmName = new Map(guild.realms.map((r) => [r.slug, r.name]));
  await knex('discord_roles').insert([
    ...['GM', 'Officer', 'Veteran', 'Member', 'Initiate'].map((name, rank) => ({ guild_id: guildId, discord_role_id: ROLE_ID(rank), name, guild_rank: rank, position: 10 - rank })),
    { guild_id: guildId, discord_role_id: RAIDER_ROLE, name: 'Raider', guild_rank: null, position: 3 },
    { guild_id: guildId, discord_role_id: BOT_ROLE, name: 'Bots', guild_rank: null, position: 2, managed: true },
  ]);
  const chars = await knex('wow_characters')
    .insert(
      guild.characters.map((c, i) => ({
        guild_id: guildId,
        blizzard_character_id: 210_000_000 + i,
        name: c.name,
        realm_slug: c.realmSlug,
        realm_name: realmName.get(c.realmSlug) ?? null,
        level: c.level,
        rank: c.rank,
        in_guild: c.inGuild,
        joined_guild_at: ago(400),
        left_guild_at: ago(c.leftDaysAgo),
        roster_seen_at: ago(c.leftDaysAgo ?? 0),
        last_login_at: ago(c.lastLoginDaysAgo),
        guild_note: c.guildNote,
        officer_note: c.officerNote,
        notes_updated_at: ago(2),
        profile_status: c.unavailableDays !== null ? 'unavailable' : 'ok',
        unavailable_since: ago(c.unavailableDays),
      })),
    )
    .returning(['id']);
  const characterId = new Map(guild.characters.map((c, i) => [c.key, chars[i]!.id as number]));
  const names = guild.characters.flatMap((c) =>
    [...c.previousNames, c.name].map((name, i, all) => ({ guild_id: guildId, wow_character_id: characterId.get(c.key)!, name, realm_slug: c.realmSlug, first_seen_at: ago(300 - i * 100), last_seen_at: ago(i === all.length - 1 ? 0 : 200 - i * 100) })),
  );
  await knex('wow_character_names').insert(names);
  const members = await knex('discord_members')
    .insert(
      guild.members.map((m) => ({
        guild_id: guildId,
        discord_user_id: m.discordUserId,
        username: m.username,
        global_name: m.globalName,
        nickname: m.nickname,
        is_bot: m.bot,
        role_ids: m.bot ? [BOT_ROLE] : [...m.roles.map(ROLE_ID), ...(m.roles.includes(3) ? [RAIDER_ROLE] : [])],
        joined_server_at: ago(300),
        departed_at: ago(m.departedDaysAgo),
        last_seen_at: ago(m.departedDaysAgo ?? 0),
      })),
    )
    .returning(['id']);
  const memberId = new Map(guild.members.map((m, i) => [m.username, members[i]!.id as number]));
  return { characterId, memberId };
}

export interface OutcomeLink {
  id: number;
  personId: number;
  character: string | null;
  member: string | null;
  status: 'confirmed' | 'suggested' | 'rejected';
}

export type FindingSubject = { kind: 'person' | 'character' | 'member' | 'link'; id: number };

export interface OutcomeFinding {
  rule: string;
  fingerprint: string;
  summary: string;
  subject: FindingSubject | null;
  /** For character and member subjects: the natural key (`Name-realm`, username). */
  key: string | null;
}

/** What the pipeline left behind, in the labels' natural keys. */
export interface Outcome {
  links: OutcomeLink[];
  findings: OutcomeFinding[];
  sheet: SheetImportReport;
}

/** Seeds the guild, then runs the sheet import, the identity run and the audit as the worker's activities do. */
export async function runPipeline(knex: Knex, guildId: number, guild: LabelledGuild, now = Date.now()): Promise<Outcome> {
  const ids = await seedLabelledGuild(knex, guildId, guild, now);
  const sheet = await importSheet(knex, guildId, { ...guild.sheet, dryRun: false, by: 'sheet import' });
  await runIdentity(knex, guildId);
  await runAudit(knex, guildId, DEFAULT_AUDIT_SETTINGS, new Date(now));
  return { ...(await readOutcome(knex, guildId, ids)), sheet };
}

export async function readOutcome(knex: Knex, guildId: number, ids: SeededIds): Promise<Omit<Outcome, 'sheet'>> {
  const charKey = new Map([...ids.characterId].map(([k, id]) => [id, k]));
  const username = new Map([...ids.memberId].map(([u, id]) => [id, u]));
  const links = (await knex('identity_links').where({ guild_id: guildId }).select('id', 'person_id', 'wow_character_id', 'discord_member_id', 'status')).map((l) => ({
    id: l.id as number,
    personId: l.person_id as number,
    character: l.wow_character_id === null ? null : charKey.get(l.wow_character_id) ?? null,
    member: l.discord_member_id === null ? null : username.get(l.discord_member_id) ?? null,
    status: l.status,
  }));
  const issues = await knex('audit_issues').where({ guild_id: guildId }).whereNull('resolved_at').select('rule', 'fingerprint', 'summary');
  const findings = issues.map((i): OutcomeFinding => {
    // Fingerprints are `<rule>:<person|member|character|link>:<id>` (core/audit/rules.ts).
    const m = /:(person|member|character|link):(\d+)$/.exec(i.fingerprint);
    const subject = m ? { kind: m[1] as FindingSubject['kind'], id: Number(m[2]) } : null;
    const key = subject?.kind === 'character' ? charKey.get(subject.id) ?? null : subject?.kind === 'member' ? username.get(subject.id) ?? null : null;
    return { rule: i.rule, fingerprint: i.fingerprint, summary: i.summary, subject, key };
  });
  return { links, findings };
}

// ---------------------------------------------------------------------------------------------
// Scoring

export interface Figures {
  auto_precision: number;
  recall: number;
  auto_recall: number;
  never_linked: number;
  never_suggested: number;
  findings_precision: number;
  findings_recall: number;
  labelled_auto: number;
  labelled_suggest: number;
  labelled_never: number;
  linked_pairs: number;
  linked_judged: number;
  linked_correct: number;
  suggested_pairs: number;
  findings_expected: number;
  findings_open: number;
  findings_matched_expected: number;
  findings_matched_open: number;
}

export interface Miss {
  kind: 'auto' | 'never_suggested' | 'missed' | 'missed_auto' | 'finding_extra' | 'finding_missing';
  text: string;
}

const pairKey = (character: string, member: string) => `${character}\u0000${member}`;

/**
 * The pairs the links make. Linked: the character and the account both have confirmed links to one
 * person. Suggested: not linked, but one person holds both of them, at least one by a suggested link
 * (a suggestion straight between them, or an account suggested to the character's person, or the
 * reverse).
 */
export function pairsOf(links: OutcomeLink[]): { linked: Set<string>; suggested: Set<string> } {
  const byPerson = new Map<number, { chars: Map<string, boolean>; members: Map<string, boolean> }>();
  for (const l of links) {
    if (l.status === 'rejected') continue;
    let p = byPerson.get(l.personId);
    if (!p) byPerson.set(l.personId, (p = { chars: new Map(), members: new Map() }));
    const confirmed = l.status === 'confirmed';
    if (l.character) p.chars.set(l.character, (p.chars.get(l.character) ?? false) || confirmed);
    if (l.member) p.members.set(l.member, (p.members.get(l.member) ?? false) || confirmed);
  }
  const linked = new Set<string>();
  const suggested = new Set<string>();
  for (const p of byPerson.values()) {
    for (const [c, cConfirmed] of p.chars) {
      for (const [m, mConfirmed] of p.members) (cConfirmed && mConfirmed ? linked : suggested).add(pairKey(c, m));
    }
  }
  for (const k of linked) suggested.delete(k);
  return { linked, suggested };
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

/** Figures and misses of one guild's outcome against its labels. */
export function scoreGuild(guild: LabelledGuild, outcome: Pick<Outcome, 'links' | 'findings'>): { figures: Figures; misses: Miss[] } {
  const misses: Miss[] = [];
  const label = new Map(guild.pairs.map((p) => [pairKey(p.character, p.member), p]));
  const charOwner = new Map(guild.characters.map((c) => [c.key, c.owner]));
  const memberOwner = new Map(guild.members.map((m) => [m.username, m.owner]));
  const { linked, suggested } = pairsOf(outcome.links);
  const show = (k: string) => {
    const [c, m] = k.split('\u0000');
    return `${c} ↔ @${m}`;
  };
  const truth = (k: string) => {
    const [c, m] = k.split('\u0000') as [string, string];
    const owner = charOwner.get(c);
    return owner !== undefined && owner === memberOwner.get(m);
  };

  // Auto precision: a link is right only where the evidence makes it certain; a true pair nobody
  // could have known (no label) is neither right nor wrong.
  let judged = 0;
  let correct = 0;
  for (const k of linked) {
    const l = label.get(k);
    if (!l && truth(k)) continue;
    judged += 1;
    if (l?.verdict === 'auto') correct += 1;
    else misses.push({ kind: 'auto', text: `MISS auto: ${show(k)} (label ${l ? l.verdict : 'false pair'}${l?.why ? `: ${l.why}` : ''}; owner of the character: ${charOwner.get(k.split('\u0000')[0]!)})` });
  }
  const count = (v: Verdict) => guild.pairs.filter((p) => p.verdict === v);
  let neverLinked = 0;
  let neverSuggested = 0;
  for (const p of count('never')) {
    const k = pairKey(p.character, p.member);
    if (linked.has(k)) neverLinked += 1;
    if (suggested.has(k)) {
      neverSuggested += 1;
      misses.push({ kind: 'never_suggested', text: `MISS never suggested: ${show(k)}${p.why ? ` (${p.why})` : ''}` });
    }
  }
  const trueLabels = [...count('auto'), ...count('suggest')];
  let found = 0;
  let autoFound = 0;
  for (const p of trueLabels) {
    const k = pairKey(p.character, p.member);
    if (linked.has(k) || suggested.has(k)) found += 1;
    if (p.verdict === 'auto' && linked.has(k)) autoFound += 1;
    if (!linked.has(k) && !suggested.has(k)) misses.push({ kind: 'missed', text: `MISS missed: ${show(k)} (label ${p.verdict}${p.why ? `: ${p.why}` : ''})` });
    else if (p.verdict === 'auto' && !linked.has(k)) misses.push({ kind: 'missed_auto', text: `MISS only suggested: ${show(k)} (label auto${p.why ? `: ${p.why}` : ''})` });
  }

  // Findings: each open finding's subject as the keys officers use; it matches an expected finding
  // of its rule whose subject is among them.
  const personChars = new Map<number, string[]>();
  const personMembers = new Map<number, string[]>();
  for (const l of outcome.links) {
    if (l.status !== 'confirmed') continue;
    if (l.character) personChars.set(l.personId, [...(personChars.get(l.personId) ?? []), l.character]);
    if (l.member) personMembers.set(l.personId, [...(personMembers.get(l.personId) ?? []), l.member]);
  }
  const majorityOwner = (keys: (string | null | undefined)[]) => {
    const n = new Map<string, number>();
    for (const k of keys) if (k) n.set(k, (n.get(k) ?? 0) + 1);
    return [...n].sort((a, b) => b[1] - a[1])[0]?.[0];
  };
  const keysOf = (f: OutcomeFinding): string[] => {
    if (!f.subject) return [];
    if (f.subject.kind === 'character' && f.key) return [`char:${f.key}`, `player:${charOwner.get(f.key)}`];
    if (f.subject.kind === 'member' && f.key) return [`@${f.key}`];
    if (f.subject.kind === 'person') {
      const chars = personChars.get(f.subject.id) ?? [];
      const members = personMembers.get(f.subject.id) ?? [];
      const owner = majorityOwner([...chars.map((c) => charOwner.get(c)), ...members.map((m) => memberOwner.get(m))]);
      return [...(owner ? [`player:${owner}`] : []), ...chars.map((c) => `char:${c}`), ...members.map((m) => `@${m}`)];
    }
    if (f.subject.kind === 'link') {
      const l = outcome.links.find((x) => x.id === f.subject!.id);
      if (l?.character) return [`char:${l.character}`, `player:${charOwner.get(l.character)}`];
      if (l?.member) return [`@${l.member}`, `player:${memberOwner.get(l.member)}`];
    }
    return [];
  };
  const matchedExpected = new Set<number>();
  let matchedOpen = 0;
  for (const f of outcome.findings) {
    const keys = new Set(keysOf(f));
    let hit = false;
    guild.findings.forEach((e, i) => {
      if (e.rule === f.rule && keys.has(e.subject)) {
        matchedExpected.add(i);
        hit = true;
      }
    });
    if (hit) matchedOpen += 1;
    else misses.push({ kind: 'finding_extra', text: `MISS finding not expected: ${f.rule} ${[...keys][0] ?? f.fingerprint} (${f.summary})` });
  }
  guild.findings.forEach((e, i) => {
    if (!matchedExpected.has(i)) misses.push({ kind: 'finding_missing', text: `MISS finding missing: ${e.rule} ${e.subject}${e.why ? ` (${e.why})` : ''}` });
  });

  return {
    figures: {
      auto_precision: ratio(correct, judged),
      recall: ratio(found, trueLabels.length),
      auto_recall: ratio(autoFound, count('auto').length),
      never_linked: neverLinked,
      never_suggested: neverSuggested,
      findings_precision: ratio(matchedOpen, outcome.findings.length),
      findings_recall: ratio(matchedExpected.size, guild.findings.length),
      labelled_auto: count('auto').length,
      labelled_suggest: count('suggest').length,
      labelled_never: count('never').length,
      linked_pairs: linked.size,
      linked_judged: judged,
      linked_correct: correct,
      suggested_pairs: suggested.size,
      findings_expected: guild.findings.length,
      findings_open: outcome.findings.length,
      findings_matched_expected: matchedExpected.size,
      findings_matched_open: matchedOpen,
    },
    misses,
  };
}

/** The worst of each figure across guilds: lowest ratio, highest never-count. */
export function worstOf(all: Figures[]): Partial<Figures> {
  const lowest = ['auto_precision', 'recall', 'auto_recall', 'findings_precision', 'findings_recall'] as const;
  const highest = ['never_linked', 'never_suggested'] as const;
  return {
    ...Object.fromEntries(lowest.map((k) => [k, Math.min(...all.map((f) => f[k]))])),
    ...Object.fromEntries(highest.map((k) => [k, Math.max(...all.map((f) => f[k]))])),
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
const MISSES_SHOWN = Number(process.env.MQ_MISSES ?? 25);

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at >= 0) return args[at + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

export async function matchQualityBenchmark(args: string[]): Promise<void> {
  const seeds = (option(args, '--seeds') ?? '1,2,3').split(',').filter(Boolean).map(Number);
  const [characters, members] = (option(args, '--size') ?? '300,150').split(',').map(Number) as [number, number];
  const guilds: [string, LabelledGuild][] = [['hand', handGuild()], ...seeds.map((s): [string, LabelledGuild] => [`seed${s}`, generatedGuild({ characters, members, seed: s })])];

  const logger = pino({ level: 'warn' });
  // A port the OS says is free: a fixed one may be taken by another engineer's run.
  const port = process.env.DATABASE_URL ? 0 : await getFreePort();
  const pg = await providePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(PROJECT, '.data', 'bench-match-quality-postgres'), port, logger });
  const dbName = `patt_bench_quality_${process.pid}`;
  const all: Figures[] = [];
  try {
    await dropDatabase(pg.url, dbName);
    const knex = createKnex(await ensureDatabase(pg.url, dbName), { max: 2 });
    try {
      await migrateToLatest(knex);
      for (const [name, guild] of guilds) {
        const guildId = await ensureGuild(knex, { region: 'us', realmSlug: guild.guildRealmSlug, nameSlug: `quality-${name}` });
        const outcome = await runPipeline(knex, guildId, guild);
        const { figures, misses } = scoreGuild(guild, outcome);
        all.push(figures);
        const out = [`${name}_characters=${guild.characters.length}`, `${name}_members=${guild.members.length}`, `${name}_sheet_problems=${outcome.sheet.problems.length}`, `${name}_sheet_conflicts=${outcome.sheet.conflicts.length}`];
        for (const [k, v] of Object.entries(figures)) out.push(`${name}_${k}=${fmt(v)}`);
        process.stdout.write(`${out.join('\n')}\n`);
        const order: Miss['kind'][] = ['auto', 'never_suggested', 'missed', 'missed_auto', 'finding_missing', 'finding_extra'];
        const sorted = [...misses].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
        for (const m of sorted.slice(0, MISSES_SHOWN)) process.stdout.write(`${name}: ${m.text}\n`);
        if (sorted.length > MISSES_SHOWN) process.stdout.write(`${name}: … ${sorted.length - MISSES_SHOWN} more misses\n`);
      }
    } finally {
      await knex.destroy();
    }
    await dropDatabase(pg.url, dbName);
  } finally {
    await pg.stop();
  }
  for (const [k, v] of Object.entries(worstOf(all))) process.stdout.write(`worst_${k}=${fmt(v!)}\n`);
  const targets = { auto_precision: 1, never_linked: 0, recall: 0.95, auto_recall: 0.85, findings_precision: 0.95, findings_recall: 0.95 };
  process.stdout.write(`targets=${Object.entries(targets).map(([k, v]) => `${k}:${v}`).join(',')}\n`);
}
