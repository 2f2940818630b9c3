import type { Knex } from 'knex';
import { formerNames } from '../identity/formerNames';
import { auditFindings, strongestEvidence, type AuditInput, type AuditSettings } from '../../../core/audit/rules';
import { planIssues, resolutionReasons } from '../../../core/audit/lifecycle';
import type { Finding } from '../../../core/audit/types';
import { readLinkFlag } from '../../../core/identity/flags';

export interface AuditRunCounts {
  findings: number;
  opened: number;
  reopened: number;
  resolved: number;
  stillOpen: number;
  /** Open and not yet told to officers. */
  toReport: number;
}

const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);

/** The guild as the rules read it, from PostgreSQL, in one snapshot (one query at a time). */
export async function loadAuditInput(trx: Knex.Transaction, guildId: number, settings: AuditSettings, now: Date): Promise<AuditInput> {
  const guild = await trx('guilds').where({ id: guildId }).first('realm_slug');
  if (!guild) throw new Error(`Guild ${guildId} not found`);
  const firstRoster = await trx('sync_runs').where({ guild_id: guildId, kind: 'blizzard_roster', status: 'succeeded' }).min('finished_at as at').first();
  const characters = await trx('wow_characters as c')
    .leftJoin('identity_links as l', (j) => j.on('l.wow_character_id', 'c.id').andOnVal('l.status', 'confirmed'))
    .where('c.guild_id', guildId)
    .select('c.id', 'c.name', 'c.realm_slug', 'c.realm_name', 'c.rank', 'c.in_guild', 'c.guild_note', 'c.officer_note', 'c.last_login_at', 'c.joined_guild_at', 'c.left_guild_at', 'c.profile_status', 'c.unavailable_since', 'l.person_id')
    .select(trx.raw("(SELECT max(e.occurred_at) FROM roster_events e WHERE e.wow_character_id = c.id AND e.kind = 'rank_change') AS rank_changed_at"));
  const previous = await formerNames(trx, guildId);
  const rankOfRole = new Map(
    (await trx('discord_roles').where({ guild_id: guildId }).whereNull('deleted_at').whereNotNull('guild_rank').select('discord_role_id', 'guild_rank')).map((r) => [r.discord_role_id as string, r.guild_rank as number]),
  );
  const members = await trx('discord_members as m')
    .leftJoin('identity_links as l', (j) => j.on('l.discord_member_id', 'm.id').andOnVal('l.status', 'confirmed'))
    .where('m.guild_id', guildId)
    .select('m.id', 'm.username', 'm.global_name', 'm.nickname', 'm.is_bot', 'm.departed_at', 'm.role_ids', 'm.joined_server_at', 'l.person_id')
    .select(trx.raw("(SELECT max(e.occurred_at) FROM discord_member_events e WHERE e.discord_member_id = m.id AND e.kind = 'roles_changed') AS roles_changed_at"));
  const persons = await trx('persons as p').where('p.guild_id', guildId).select('p.id', 'p.display_name', 'p.main_character_id');
  // Suggestions waiting for officers, with their evidence: a finding names them, and a suggested
  // pair is told as one player.
  const suggestions = await trx('identity_links').where({ guild_id: guildId, status: 'suggested' }).select('id', 'person_id', 'wow_character_id', 'discord_member_id', 'confidence', 'evidence');
  // Flags on links of any status: a sheet the notes disagree with leaves only a suggestion.
  const flags = await trx('identity_links').where({ guild_id: guildId }).whereNotNull('flag').select('id', 'person_id', 'wow_character_id', 'discord_member_id', 'status', 'flag');
  const realms = new Map<string, string | null>();
  for (const c of characters) if (!realms.has(c.realm_slug) || c.realm_name) realms.set(c.realm_slug, c.realm_name);

  return {
    now: now.getTime(),
    guildRealmSlug: guild.realm_slug,
    realms: [...realms].map(([slug, name]) => ({ slug, name })),
    firstRosterAt: ms(firstRoster?.at),
    characters: characters.map((c) => ({
      id: c.id,
      name: c.name,
      realmSlug: c.realm_slug,
      rank: c.rank,
      inGuild: c.in_guild,
      guildNote: c.guild_note,
      officerNote: c.officer_note,
      lastLoginAt: ms(c.last_login_at),
      joinedGuildAt: ms(c.joined_guild_at),
      leftGuildAt: ms(c.left_guild_at),
      rankChangedAt: ms(c.rank_changed_at),
      profileStatus: c.profile_status,
      unavailableSince: ms(c.unavailable_since),
      previousNames: previous.get(c.id) ?? [],
      personId: c.person_id,
    })),
    members: members.map((m) => ({
      id: m.id,
      username: m.username,
      globalName: m.global_name,
      nickname: m.nickname,
      isBot: m.is_bot,
      present: m.departed_at === null,
      guildRanks: [...new Set((m.role_ids as string[]).map((r) => rankOfRole.get(r)).filter((r): r is number => r !== undefined))].sort(),
      joinedServerAt: ms(m.joined_server_at),
      rolesChangedAt: ms(m.roles_changed_at),
      personId: m.person_id,
    })),
    persons: persons.map((p) => ({ id: p.id, displayName: p.display_name, mainCharacterId: p.main_character_id })),
    suggestions: suggestions.map((l) => ({
      linkId: l.id,
      personId: l.person_id,
      characterId: l.wow_character_id,
      memberId: l.discord_member_id,
      confidence: Number(l.confidence),
      evidence: strongestEvidence(Array.isArray(l.evidence) ? l.evidence : []),
    })),
    flags: flags.flatMap((l) => {
      const flag = readLinkFlag(l.flag);
      return flag ? [{ linkId: l.id, personId: l.person_id, characterId: l.wow_character_id, memberId: l.discord_member_id, status: l.status, kind: flag.kind, reason: flag.reason, action: flag.action }] : [];
    }),
    settings,
  };
}

const issueColumns = (f: Finding) => ({ rule: f.rule, severity: f.severity, summary: f.summary, action: f.action, subject: JSON.stringify(f.subject), details: JSON.stringify(f.details) });

/**
 * One audit of a guild: the rules over what is stored now, and each finding's lifecycle in
 * audit_issues (opened, seen again, resolved, back again). Idempotent: a second run with nothing
 * changed opens and resolves nothing.
 */
export async function runAudit(knex: Knex, guildId: number, settings: AuditSettings, now = new Date()): Promise<AuditRunCounts> {
  return knex.transaction(async (trx) => {
    await trx.raw("SELECT pg_advisory_xact_lock(hashtext('audit'), ?)", [guildId]);
    const input = await loadAuditInput(trx, guildId, settings, now);
    const findings = auditFindings(input);
    const rows = await trx('audit_issues').where({ guild_id: guildId }).select('id', 'fingerprint', 'rule', 'details', 'resolved_at');
    const stored = rows.map((r) => ({ id: r.id, fingerprint: r.fingerprint, resolvedAt: r.resolved_at }));
    const plan = planIssues(stored, findings);

    for (let i = 0; i < plan.open.length; i += 1000) {
      await trx('audit_issues').insert(plan.open.slice(i, i + 1000).map((f) => ({ guild_id: guildId, fingerprint: f.fingerprint, ...issueColumns(f), first_seen_at: now, last_seen_at: now })));
    }
    for (const { id, finding } of plan.reopen) {
      // Back after being resolved: new again, to be told again.
      await trx('audit_issues').where({ id }).update({ ...issueColumns(finding), first_seen_at: now, last_seen_at: now, resolved_at: null, resolution: null, notified_at: null, report_id: null, resolved_report_id: null });
    }
    // One statement per 2,000 issues still there: their wording and last_seen.
    for (let i = 0; i < plan.seen.length; i += 2000) {
      const rows = plan.seen.slice(i, i + 2000).map(({ id, finding: f }) => ({ id, severity: f.severity, summary: f.summary, action: f.action, subject: f.subject, details: f.details }));
      await trx.raw(
        `UPDATE audit_issues a SET last_seen_at = ?, severity = r.severity, summary = r.summary, action = r.action, subject = r.subject, details = r.details
         FROM jsonb_to_recordset(?::jsonb) AS r(id int, severity text, summary text, action text, subject jsonb, details jsonb)
         WHERE a.id = r.id`,
        [now, JSON.stringify(rows)],
      );
    }
    // Resolved, with why (from the data as it is now): one statement per reason and 5,000 issues.
    const resolving = new Set(plan.resolve);
    const reasons = resolutionReasons(
      rows.filter((r) => resolving.has(r.id)).map((r) => ({ id: r.id, rule: r.rule, fingerprint: r.fingerprint, details: r.details ?? {} })),
      input,
      findings,
    );
    const byReason = new Map<string | null, number[]>();
    for (const id of plan.resolve) {
      const reason = reasons.get(id) ?? null;
      byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
    }
    for (const [resolution, ids] of byReason) {
      for (let i = 0; i < ids.length; i += 5000) await trx('audit_issues').whereIn('id', ids.slice(i, i + 5000)).update({ resolved_at: now, resolution });
    }

    const [{ open, unnotified }] = await trx('audit_issues')
      .where({ guild_id: guildId })
      .whereNull('resolved_at')
      .select(trx.raw('count(*)::int AS open'), trx.raw('count(*) FILTER (WHERE notified_at IS NULL)::int AS unnotified'));
    return { findings: findings.length, opened: plan.open.length, reopened: plan.reopen.length, resolved: plan.resolve.length, stillOpen: open, toReport: unnotified };
  });
}
