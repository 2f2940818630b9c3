import Router from '@koa/router';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { AUDIT_RULES, RULE_TITLES } from '../../core/audit/types';
import { isFirstReport, reportContents, reportMessages } from '../../db/operations/audit/auditReports';
import { runAudit } from '../../db/operations/audit/runAudit';
import { FIRST_REPORT_SEEDS, firstReportState, heldMessage, releaseFirstReport, type FirstReportState } from '../../db/operations/audit/firstReport';
import type { ApiDeps, ApiState } from '../app';
import { AppError, errorResponse } from '../errors';
import { jsonBody, jsonBodyErrors } from '../middleware/jsonBody';
import { apiKeyDoc, requireApiKey } from '../middleware/requireApiKey';
import { boolean, pageQuery, text } from '../schemas';
import { startOnTemporal } from '../withTimeout';

export const firstReportSchema = z
  .object({
    state: z.enum(['held', 'released', 'posted', 'not_needed']).meta({
      description:
        'held: nothing posted yet, the guild is not seeded (waitingFor) and no officer released it; released: it goes out with the next audit (seeded, or released by an officer); ' +
        'posted: the first report has been posted, the hold never applies again; not_needed: AUDIT_FIRST_REPORT_WAITS_FOR is empty',
    }),
    waitingFor: z.array(z.enum(FIRST_REPORT_SEEDS)).meta({ description: 'While held: addon (the first addon upload imported) and/or sheet (the first real sheet import)' }),
    releasedBy: z.string().nullable().meta({ description: 'The officer who released it (null: not released by hand)' }),
    releasedAt: z.string().meta({ format: 'date-time' }).nullable(),
  })
  .meta({ id: 'FirstReport', description: "The guild's first audit report: held until the guild is seeded (AUDIT_FIRST_REPORT_WAITS_FOR) or an officer releases it" });

export function firstReportBody(s: FirstReportState): z.infer<typeof firstReportSchema> {
  return { state: s.state, waitingFor: s.waitingFor, releasedBy: s.releasedBy, releasedAt: s.releasedAt?.toISOString() ?? null };
}

const isoTime = z.string().meta({ format: 'date-time' });

const findingSchema = z
  .object({
    id: z.number().int(),
    rule: z.enum(AUDIT_RULES),
    title: z.string().meta({ description: 'The rule as the report heads it' }),
    severity: z.enum(['action', 'warning', 'info']),
    subject: z.object({ person: z.string().nullable(), character: z.string().nullable(), discord: z.string().nullable() }),
    summary: z.string(),
    action: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    firstSeenAt: isoTime,
    lastSeenAt: isoTime,
    resolvedAt: isoTime.nullable(),
    notifiedAt: isoTime.nullable().meta({ description: 'When a report told #audit-channel; null: not yet' }),
  })
  .meta({ id: 'AuditFinding' });

const mismatchesQuery = pageQuery.extend({
  rule: z.enum(AUDIT_RULES).optional(),
  severity: z.enum(['action', 'warning', 'info']).optional(),
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  notified: z.enum(['true', 'false']).optional().meta({ description: 'Only findings already told (true) or not yet (false)' }),
  search: text(100, { min: 1 }).optional().meta({ description: 'Part of a person, character or Discord name' }),
});

const mismatchesSchema = z
  .object({ page: z.number().int(), pageSize: z.number().int(), total: z.number().int(), counts: z.record(z.string(), z.number().int()), items: z.array(findingSchema) })
  .meta({ id: 'AuditFindingsPage' });

const triggerBody = z.object({ dryRun: boolean().default(false).meta({ description: 'true: run the audit and answer with the messages; nothing is posted' }) }).strict().meta({ id: 'ReportTrigger' });
const triggerResponse = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    temporalUiUrl: z.string(),
    posting: z.boolean().meta({ description: 'False when PATT_AUDIT_CHANNEL_ID is not set: the audit runs, nothing is posted' }),
    note: z.string().optional(),
  })
  .meta({ id: 'TriggeredReport' });
const releaseBody = z
  .object({ by: text(100, { min: 1 }).optional().meta({ description: 'The officer releasing it; defaults to the API key’s name' }) })
  .strict()
  .meta({ id: 'FirstReportRelease' });
const releaseResponse = z
  .object({
    firstReport: firstReportSchema,
    audit: z.object({ workflowId: z.string(), runId: z.string(), temporalUiUrl: z.string() }).nullable().meta({ description: 'The audit asked for now (null: nothing to release, or Temporal did not answer)' }),
    note: z.string(),
  })
  .meta({ id: 'FirstReportReleased' });
const dryRunResponse = z
  .object({
    dryRun: z.literal(true),
    firstReport: firstReportSchema.meta({ description: 'Held: these messages are the first report, which waits for the guild to be seeded or a release' }),
    findings: z.number().int(),
    resolved: z.number().int(),
    messages: z.array(z.object({ content: z.string().optional(), embeds: z.array(z.object({}).passthrough()) })),
  })
  .meta({ id: 'ReportDryRun' });

const readDoc = apiKeyDoc('read');
const triggerDoc = apiKeyDoc('sync:trigger');
export const auditOpenApi: RouteConfig[] = [
  {
    method: 'get',
    path: '/api/identity/mismatches',
    tags: ['audit'],
    summary: 'Findings of the audit: who, what is wrong, what to do; open by default',
    description: `${readDoc.scopeNote} Filters: rule, severity, status (open, resolved, all), notified, search. \`counts\` gives open findings per rule.`,
    security: readDoc.security,
    request: { query: mismatchesQuery },
    responses: { 200: { description: 'One page of findings', content: { 'application/json': { schema: mismatchesSchema } } }, 400: errorResponse('VALIDATION_FAILED'), 401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'), 403: errorResponse('SCOPE_REQUIRED: the key lacks read') },
  },
  {
    method: 'post',
    path: '/api/guild-sync/report/trigger',
    tags: ['audit'],
    summary: 'Run the audit and post what officers have not been told, now',
    description:
      `${triggerDoc.scopeNote} Starts (or joins) the guild's audit workflow without its quiet-spell wait; each message is posted exactly once. ` +
      'With `{"dryRun": true}` the audit runs and the answer is the messages the report would post; nothing is posted or marked told. ' +
      "While the guild's first report is held (AUDIT_FIRST_REPORT_WAITS_FOR: until the first addon upload and sheet import), a real trigger is 409 FIRST_REPORT_HELD saying what it waits for and how to release it; the dry run previews it.",
    security: triggerDoc.security,
    request: { body: { required: false, content: { 'application/json': { schema: triggerBody } } } },
    responses: {
      200: { description: 'Dry run: the messages', content: { 'application/json': { schema: dryRunResponse } } },
      202: { description: 'The audit is running; watch it in the Temporal UI', content: { 'application/json': { schema: triggerResponse } } },
      400: errorResponse('VALIDATION_FAILED or INVALID_JSON'),
      401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'),
      403: errorResponse('SCOPE_REQUIRED: the key lacks sync:trigger'),
      ...jsonBodyErrors,
      409: errorResponse('FIRST_REPORT_HELD: the first report waits for the guild to be seeded; the message says what is missing and how to release it'),
      503: errorResponse('TEMPORAL_UNAVAILABLE'),
    },
  },
  {
    method: 'post',
    path: '/api/guild-sync/report/release',
    tags: ['audit'],
    summary: "Release the guild's first audit report before the guild is seeded, and audit now",
    description:
      `${triggerDoc.scopeNote} Records who released it and when (kept once), then asks for an audit now, which posts the first report. ` +
      'Once the first report has been posted the hold never applies again, and this changes nothing. The CLI does the same: `npm run cli -- audit release`.',
    security: triggerDoc.security,
    request: { body: { required: false, content: { 'application/json': { schema: releaseBody } } } },
    responses: {
      200: { description: 'Nothing to release: the first report was posted already, or is not held', content: { 'application/json': { schema: releaseResponse } } },
      202: { description: 'Released; the audit runs now (or with the next sync when Temporal did not answer)', content: { 'application/json': { schema: releaseResponse } } },
      400: errorResponse('VALIDATION_FAILED or INVALID_JSON'),
      401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'),
      403: errorResponse('SCOPE_REQUIRED: the key lacks sync:trigger'),
      ...jsonBodyErrors,
    },
  },
];

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function auditRoutes(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>();

  router.get('/identity/mismatches', requireApiKey('read', deps), async (ctx) => {
    const q = mismatchesQuery.parse(ctx.query);
    const base = deps.knex('audit_issues').where({ guild_id: deps.guildId });
    if (q.status === 'open') base.whereNull('resolved_at');
    if (q.status === 'resolved') base.whereNotNull('resolved_at');
    if (q.rule) base.where('rule', q.rule);
    if (q.severity) base.where('severity', q.severity);
    if (q.notified === 'true') base.whereNotNull('notified_at');
    if (q.notified === 'false') base.whereNull('notified_at');
    if (q.search) base.whereRaw('subject::text ILIKE ?', [`%${q.search.replace(/[\\%_]/g, (x) => `\\${x}`)}%`]);
    const [{ n }] = await base.clone().count<{ n: string }[]>('* as n');
    const rows = await base
      .clone()
      .orderByRaw("CASE severity WHEN 'action' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule, first_seen_at, id")
      .offset((q.page - 1) * q.pageSize)
      .limit(q.pageSize)
      .select('id', 'rule', 'severity', 'subject', 'summary', 'action', 'details', 'first_seen_at', 'last_seen_at', 'resolved_at', 'notified_at');
    const counts = Object.fromEntries(
      (await deps.knex('audit_issues').where({ guild_id: deps.guildId }).whereNull('resolved_at').groupBy('rule').select('rule').count<{ rule: string; count: string }[]>('* as count')).map((r) => [r.rule, Number(r.count)]),
    );
    ctx.body = {
      page: q.page,
      pageSize: q.pageSize,
      total: Number(n),
      counts,
      items: rows.map((r) => ({
        id: r.id,
        rule: r.rule,
        title: RULE_TITLES[r.rule as keyof typeof RULE_TITLES],
        severity: r.severity,
        subject: { person: r.subject.person ?? null, character: r.subject.character ?? null, discord: r.subject.discord ?? null },
        summary: r.summary,
        action: r.action,
        details: r.details,
        firstSeenAt: r.first_seen_at.toISOString(),
        lastSeenAt: r.last_seen_at.toISOString(),
        resolvedAt: iso(r.resolved_at),
        notifiedAt: iso(r.notified_at),
      })),
    } satisfies z.infer<typeof mismatchesSchema>;
  });

  router.post('/guild-sync/report/trigger', requireApiKey('sync:trigger', deps), jsonBody({ required: false }), async (ctx) => {
    const b = triggerBody.parse(ctx.state.body ?? {});
    const hold = await firstReportState(deps.knex, deps.guildId, deps.config.audit.firstReportWaitsFor);
    if (b.dryRun) {
      await runAudit(deps.knex, deps.guildId, deps.config.audit.settings);
      const contents = await reportContents(deps.knex, deps.guildId);
      const guild = await deps.knex('guilds').where({ id: deps.guildId }).first('name', 'name_slug');
      const messages = reportMessages(guild.name ?? guild.name_slug, new Date(), await isFirstReport(deps.knex, deps.guildId), contents);
      // Discord's message shape, as the report would post it (the schema documents it loosely).
      ctx.body = { dryRun: true as const, firstReport: firstReportBody(hold), findings: contents.findings.length, resolved: contents.resolved.length, messages: messages as z.infer<typeof dryRunResponse>['messages'] };
      return;
    }
    const posting = Boolean(deps.config.discord.auditChannelId);
    if (posting && hold.state === 'held') throw new AppError(409, 'FIRST_REPORT_HELD', heldMessage(hold), { firstReport: firstReportBody(hold) });
    const run = await startOnTemporal(deps.audit.trigger(deps.guildId), 'Temporal (start the audit)', 'so no audit was started');
    ctx.status = 202;
    ctx.body = {
      ...run,
      posting,
      ...(posting ? {} : { note: 'PATT_AUDIT_CHANNEL_ID is not set: the audit runs and tracks findings (GET /api/identity/mismatches) but posts nothing. Set it to #audit-channel’s id (README: Going live).' }),
    } satisfies z.infer<typeof triggerResponse>;
  });

  router.post('/guild-sync/report/release', requireApiKey('sync:trigger', deps), jsonBody({ required: false }), async (ctx) => {
    const b = releaseBody.parse(ctx.state.body ?? {});
    const by = b.by ?? ctx.state.apiKey?.name ?? 'officer';
    const released = await releaseFirstReport(deps.knex, deps.guildId, by, deps.config.audit.firstReportWaitsFor);
    const firstReport = firstReportBody(released);
    deps.logger.info({ requestId: ctx.state.requestId, by, state: released.state, recorded: released.recorded }, 'first report release');
    if (released.state === 'posted' || released.state === 'not_needed') {
      ctx.body = {
        firstReport,
        audit: null,
        note: released.state === 'posted' ? 'The first report has been posted already: nothing is held, nothing to release.' : 'AUDIT_FIRST_REPORT_WAITS_FOR is empty: the first report is not held.',
      } satisfies z.infer<typeof releaseResponse>;
      return;
    }
    ctx.status = 202;
    try {
      const audit = await startOnTemporal(deps.audit.trigger(deps.guildId), 'Temporal (start the audit)');
      ctx.body = { firstReport, audit, note: `Released by ${released.releasedBy ?? by}: the audit runs now and posts the first report (watch it in the Temporal UI).` } satisfies z.infer<typeof releaseResponse>;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.body = { firstReport, audit: null, note: `Released by ${released.releasedBy ?? by}. Temporal did not answer, so the first report goes out with the next audit (every sync asks for one).` } satisfies z.infer<typeof releaseResponse>;
    }
  });

  return router;
}
