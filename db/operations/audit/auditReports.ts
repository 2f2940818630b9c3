import type { Knex } from 'knex';
import { packReport, type ReportInput } from '../../../core/audit/report';
import type { AuditRule, Finding, ResolutionReason } from '../../../core/audit/types';
import type { DiscordMessage } from '../../../core/discord/messages';

export interface PreparedReport {
  reportId: number;
  parts: number;
  first: boolean;
  findings: number;
  resolved: number;
}

type Db = Knex | Knex.Transaction;

const toFinding = (r: Record<string, any>): Finding => ({ rule: r.rule, fingerprint: r.fingerprint, severity: r.severity, subject: r.subject, summary: r.summary, action: r.action ?? '', details: r.details });

/**
 * What the next report would tell: open findings not yet told, and findings resolved since they
 * were told, with why. A finding merged into another (one story for a suggested pair) is not
 * resolved news: the finding it joined is told instead.
 */
export async function reportContents(
  db: Db,
  guildId: number,
): Promise<{ findings: (Finding & { id: number })[]; resolved: { id: number; rule: AuditRule; summary: string; reason: ResolutionReason | null }[] }> {
  const open = await db('audit_issues').where({ guild_id: guildId }).whereNull('resolved_at').whereNull('notified_at').whereNull('report_id').orderBy('id').select('id', 'rule', 'fingerprint', 'severity', 'subject', 'summary', 'action', 'details');
  const resolved = await db('audit_issues')
    .where({ guild_id: guildId })
    .whereNotNull('resolved_at')
    .whereNotNull('notified_at')
    .whereNull('resolved_report_id')
    .where((q) => q.whereNull('resolution').orWhereNot('resolution', 'merged'))
    .orderBy('id')
    .select('id', 'rule', 'summary', 'resolution');
  return { findings: open.map((r) => ({ id: r.id, ...toFinding(r) })), resolved: resolved.map((r) => ({ id: r.id, rule: r.rule, summary: r.summary, reason: r.resolution ?? null })) };
}

/** The messages a report of these contents is, for the API's dry run and for preparing. */
export function reportMessages(guildName: string, now: Date, first: boolean, contents: Awaited<ReturnType<typeof reportContents>>): DiscordMessage[] {
  const input: ReportInput = { guildName, generatedAt: now.toISOString(), first, findings: contents.findings, resolved: contents.resolved };
  return packReport(input);
}

export async function isFirstReport(db: Db, guildId: number): Promise<boolean> {
  return !(await db('audit_reports').where({ guild_id: guildId, status: 'posted' }).first('id'));
}

/**
 * Fixes the next report: its messages (so every retry posts the same words) and the findings it
 * tells. A report already pending (a run cut short) is returned as it is, to be finished. Null when
 * there is nothing to tell.
 */
export async function prepareAuditReport(knex: Knex, guildId: number, channelId: string, guildName: string, now = new Date()): Promise<PreparedReport | null> {
  return knex.transaction(async (trx) => {
    await trx.raw("SELECT pg_advisory_xact_lock(hashtext('audit'), ?)", [guildId]);
    const pending = await trx('audit_reports').where({ guild_id: guildId, status: 'pending' }).first('id', 'messages', 'first', 'finding_ids', 'resolved_ids');
    if (pending) return { reportId: pending.id, parts: pending.messages.length, first: pending.first, findings: pending.finding_ids.length, resolved: pending.resolved_ids.length };
    const contents = await reportContents(trx, guildId);
    if (contents.findings.length === 0 && contents.resolved.length === 0) return null;
    const first = await isFirstReport(trx, guildId);
    const messages = reportMessages(guildName, now, first, contents);
    const findingIds = contents.findings.map((f) => f.id);
    const resolvedIds = contents.resolved.map((r) => r.id);
    const [row] = await trx('audit_reports')
      .insert({ guild_id: guildId, first, channel_id: channelId, messages: JSON.stringify(messages), finding_ids: findingIds, resolved_ids: resolvedIds, created_at: now })
      .returning('id');
    for (let i = 0; i < findingIds.length; i += 5000) await trx('audit_issues').whereIn('id', findingIds.slice(i, i + 5000)).update({ report_id: row.id });
    for (let i = 0; i < resolvedIds.length; i += 5000) await trx('audit_issues').whereIn('id', resolvedIds.slice(i, i + 5000)).update({ resolved_report_id: row.id });
    return { reportId: row.id, parts: messages.length, first, findings: findingIds.length, resolved: resolvedIds.length };
  });
}

/** One part of a prepared report, as it is to be posted. */
export async function reportPart(knex: Knex, reportId: number, part: number): Promise<{ guildId: number; channelId: string; message: DiscordMessage }> {
  const row = await knex('audit_reports').where({ id: reportId }).first('guild_id', 'channel_id', 'messages');
  if (!row) throw new Error(`Audit report ${reportId} not found`);
  const message = (row.messages as DiscordMessage[])[part];
  if (!message) throw new Error(`Audit report ${reportId} has ${row.messages.length} parts, not part ${part + 1}`);
  return { guildId: row.guild_id, channelId: row.channel_id, message };
}

/** Every part is posted: the findings it told are notified now. Idempotent. */
export async function completeAuditReport(knex: Knex, reportId: number, now = new Date()): Promise<void> {
  await knex.transaction(async (trx) => {
    const updated = await trx('audit_reports').where({ id: reportId, status: 'pending' }).update({ status: 'posted', posted_at: now });
    if (updated === 0) return;
    await trx('audit_issues').where({ report_id: reportId }).whereNull('notified_at').update({ notified_at: now });
  });
}
