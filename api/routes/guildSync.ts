import Router from '@koa/router';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { Guild } from '../../db/models';
import { discordSyncStatus } from '../../db/operations/discordSync/discordSyncStatus';
import { identitySummary } from '../../db/operations/identity/identityQueries';
import { firstReportState } from '../../db/operations/audit/firstReport';
import { firstReportBody, firstReportSchema } from './audit';
import { latestSyncRuns, type SyncRunRow } from '../../db/operations/syncRuns/latestSyncRuns';
import { temporalUiLink } from '../../temporal/connect';
import { SYNC_KINDS } from '../../workflows/shared';
import type { ApiDeps, ApiState } from '../app';
import { errorResponse } from '../errors';
import { jsonBody, jsonBodyErrors } from '../middleware/jsonBody';
import { apiKeyDoc, requireApiKey } from '../middleware/requireApiKey';
import { startOnTemporal, withTimeout } from '../withTimeout';

/** Status answers from the database even when Temporal is slow; a trigger may take longer. */
const STATUS_TEMPORAL_TIMEOUT_MS = 3_000;
/** Past this a silent database counts as down (503), rather than holding the request. */
const STATUS_DATABASE_TIMEOUT_MS = 10_000;
const STATUS_PATH = '/api/guild-sync/status';

const isoTime = z.string().meta({ format: 'date-time', example: '2026-11-24T18:00:04.000Z' });

export const syncRunSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(['succeeded', 'failed', 'abandoned']),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    counts: z.record(z.string(), z.unknown()).meta({ description: 'What the run counted: fetched, new, changed, unchanged, unavailable, gone, …' }),
    error: z.string().nullable(),
    workflowId: z.string(),
    temporalRunId: z.string(),
    temporalUiUrl: z.string().meta({ description: 'This run in the Temporal Web UI' }),
  })
  .meta({ id: 'SyncRun' });

/** lastSucceeded is present only when the latest finished run did not succeed: the latest that did (null: none ever). */
const lastRunSchema = syncRunSchema
  .extend({ lastSucceeded: syncRunSchema.nullable().optional() })
  .meta({
    id: 'LastSyncRun',
    description: 'The latest finished run. lastSucceeded is present only when that run did not succeed: the latest run that did (null: none ever).',
  });

const scheduleSchema = z
  .object({ scheduleId: z.string(), paused: z.boolean(), note: z.string().optional(), nextRunAt: isoTime.nullable() })
  .meta({ id: 'Schedule' });

export const discordStatusSchema = z
  .object({
    serverId: z.string().meta({ description: 'The Discord server (DISCORD_GUILD_ID)' }),
    demo: z.boolean().meta({ description: 'True when the built-in Discord stand-in plays Discord' }),
    lastReconcile: lastRunSchema.nullable().meta({ description: 'The latest finished full pass over members and roles' }),
    schedule: scheduleSchema.nullable().meta({ description: 'The reconcile schedule; null when missing or Temporal is unreachable' }),
    members: z.object({
      present: z.number().int(),
      departed: z.number().int().meta({ description: 'Left the server; their rows are kept' }),
      bots: z.number().int(),
      withoutGuildRole: z.number().int().meta({ description: 'Present humans holding none of GM, Officer, Veteran, Member, Initiate' }),
    }),
    roles: z.number().int(),
    listener: z.object({
      connected: z.boolean().meta({ description: 'The gateway listener is connected and wrote a heartbeat within the last 45 s' }),
      detail: z.string().meta({ description: 'What the listener state means, and what to check when it is not connected' }),
      botUser: z.string().nullable(),
      connectedAt: isoTime.nullable(),
      lastHeartbeatAt: isoTime.nullable(),
      lastEventAt: isoTime.nullable().meta({ description: 'Last member event received from the gateway' }),
      eventsReceived: z.number().int(),
      lastError: z.string().nullable(),
    }),
    lastMemberChangeAt: isoTime.nullable().meta({ description: 'Last join, leave, role or name change recorded (live or by a reconcile)' }),
  })
  .meta({ id: 'DiscordSyncStatus' });

export const guildSyncStatusSchema = z
  .object({
    guild: z.object({ key: z.string(), realmSlug: z.string(), nameSlug: z.string(), name: z.string().optional() }),
    runs: z
      .object({ [SYNC_KINDS.blizzardRoster]: lastRunSchema.nullable() })
      .catchall(lastRunSchema.nullable())
      .meta({ description: 'Per kind of sync, its latest finished run; blizzard_roster is always listed, other kinds once they have run' }),
    schedule: scheduleSchema
      .nullable()
      .meta({ description: 'The roster schedule in Temporal; null when it does not exist yet or Temporal is unreachable' }),
    running: z
      .object({
        workflowId: z.string(),
        runId: z.string(),
        temporalUiUrl: z.string(),
        progress: z
          .object({
            phase: z.enum(['starting', 'fetching_roster', 'fetching_profiles', 'finishing', 'matching', 'done', 'skipped']),
            syncRunId: z.number().int().nullable(),
            membersTotal: z.number().int(),
            membersProcessed: z.number().int(),
            batchesTotal: z.number().int(),
            batchesDone: z.number().int(),
          })
          .nullable(),
      })
      .nullable()
      .meta({ description: 'The roster sync running now, if any; null too when Temporal is unreachable' }),
    discord: discordStatusSchema,
    identity: z
      .object({
        persons: z.number().int(),
        confirmed: z.number().int(),
        suggested: z.number().int().meta({ description: 'Suggestions waiting for officers: GET /api/identity/persons?needs=suggestion' }),
        rejected: z.number().int(),
        flagged: z.number().int().meta({ description: 'Decided links the notes now contradict: GET /api/identity/persons?needs=flag' }),
        wowOrphans: z.number().int().meta({ description: 'Characters in the guild with no Discord account known' }),
        discordOrphans: z.number().int().meta({ description: 'Discord accounts with no character in the guild' }),
      })
      .meta({ id: 'IdentitySummary' }),
    audit: z.object({ firstReport: firstReportSchema }).meta({ description: 'The audit: whether the guild’s first report is held, and for what' }),
    temporal: z.enum(['ok', 'unreachable']),
  })
  .meta({ id: 'GuildSyncStatus' });
type GuildSyncStatus = z.infer<typeof guildSyncStatusSchema>;
type SyncRun = z.infer<typeof syncRunSchema>;
type LastRun = z.infer<typeof lastRunSchema>;

export const triggerBodySchema = z.object({}).strict().meta({ id: 'TriggerRosterSync', description: 'No options yet: send nothing or {}' });

export const triggerResponseSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    temporalUiUrl: z.string(),
    alreadyRunning: z.boolean().meta({ description: 'True when a sync was already running: that run is returned and none is started' }),
  })
  .meta({ id: 'TriggeredRosterSync' });
type TriggerResponse = z.infer<typeof triggerResponseSchema>;

export const discordTriggerResponseSchema = z
  .object({ workflowId: z.string(), runId: z.string(), temporalUiUrl: z.string() })
  .meta({ id: 'TriggeredDiscordReconcile', description: 'The reconcile started, or the one already running under the manual id' });

const readDoc = apiKeyDoc('read');
const triggerDoc = apiKeyDoc('sync:trigger');
const authErrors = {
  401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'),
  403: errorResponse('SCOPE_REQUIRED: the key lacks the scope'),
};

export const guildSyncOpenApi: RouteConfig[] = [
  {
    method: 'get',
    path: STATUS_PATH,
    tags: ['guild-sync'],
    summary: 'Latest roster sync runs, the schedule, and the run in progress',
    description:
      `${readDoc.scopeNote} Answers from the database even when Temporal is unreachable (then \`temporal: "unreachable"\`). ` +
      'When PostgreSQL is down it answers 503 SERVICE_UNAVAILABLE with `details.down` naming it (and Temporal, if it is down too).',
    security: readDoc.security,
    responses: {
      200: { description: 'Sync status', content: { 'application/json': { schema: guildSyncStatusSchema } } },
      ...authErrors,
      503: errorResponse('SERVICE_UNAVAILABLE: PostgreSQL is down (details.down names what is down)'),
    },
  },
  {
    method: 'post',
    path: '/api/guild-sync/blizzard/trigger',
    tags: ['guild-sync'],
    summary: 'Start a Blizzard roster sync now',
    description:
      `${triggerDoc.scopeNote} Never starts a second run: when one is going, that one is returned with \`alreadyRunning: true\`. ` +
      `Follow progress at ${STATUS_PATH} (the Location header).`,
    security: triggerDoc.security,
    request: { body: { required: false, content: { 'application/json': { schema: triggerBodySchema } } } },
    responses: {
      202: { description: 'Started, or already running', content: { 'application/json': { schema: triggerResponseSchema } } },
      400: errorResponse('VALIDATION_FAILED or INVALID_JSON'),
      ...authErrors,
      ...jsonBodyErrors,
      503: errorResponse('TEMPORAL_UNAVAILABLE: nothing was started'),
    },
  },
  {
    method: 'post',
    path: '/api/guild-sync/discord/trigger',
    tags: ['guild-sync'],
    summary: 'Reconcile Discord members and roles now',
    description: `${triggerDoc.scopeNote} A full pass over members and roles; a second call while one runs returns that one. Results appear under \`discord\` at ${STATUS_PATH}.`,
    security: triggerDoc.security,
    request: { body: { required: false, content: { 'application/json': { schema: triggerBodySchema } } } },
    responses: {
      202: { description: 'Started, or already running', content: { 'application/json': { schema: discordTriggerResponseSchema } } },
      400: errorResponse('VALIDATION_FAILED or INVALID_JSON'),
      ...authErrors,
      ...jsonBodyErrors,
      503: errorResponse('TEMPORAL_UNAVAILABLE: nothing was started'),
    },
  },
];

/** GET /guild-sync/status and POST /guild-sync/blizzard/trigger. */
export function guildSyncRoutes(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>();
  const link = (workflowId: string, runId: string) => temporalUiLink(deps.config, workflowId, runId);

  const summary = (r: SyncRunRow): SyncRun => ({
    id: r.id,
    // latestSyncRuns returns only finished rows here.
    status: r.status as SyncRun['status'],
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    counts: r.counts,
    error: r.error,
    workflowId: r.workflow_id,
    temporalRunId: r.temporal_run_id,
    temporalUiUrl: link(r.workflow_id, r.temporal_run_id),
  });

  router.get('/guild-sync/status', requireApiKey('read', deps), async (ctx) => {
    // The database part is needed: if PostgreSQL is down (or hangs) it fails, and the serviceHealth
    // middleware answers 503 naming it. Temporal's part is optional: the status says it is unreachable.
    const fromDatabase = withTimeout(
      Promise.all([
        Guild.query(deps.knex).findById(deps.guildId).select('key', 'realm_slug', 'name_slug', 'name'),
        latestSyncRuns(deps.knex, deps.guildId),
        discordSyncStatus(deps.knex, deps.guildId),
        identitySummary(deps.knex, deps.guildId),
        firstReportState(deps.knex, deps.guildId, deps.config.audit.firstReportWaitsFor),
      ]),
      STATUS_DATABASE_TIMEOUT_MS,
      'PostgreSQL (status)',
    );
    const [[guild, latest, discord, identity, firstReport], temporal] = await Promise.all([
      fromDatabase,
      Promise.allSettled([
        withTimeout(deps.rosterSync.running(), STATUS_TEMPORAL_TIMEOUT_MS, 'Temporal (running sync)'),
        withTimeout(deps.rosterSync.schedule(), STATUS_TEMPORAL_TIMEOUT_MS, 'Temporal (schedule)'),
        withTimeout(deps.discordSync.schedule(), STATUS_TEMPORAL_TIMEOUT_MS, 'Temporal (Discord schedule)'),
      ]),
    ]);
    if (!guild) throw new Error(`Guild ${deps.guildId} is missing from the guilds table`);

    const runs: Record<string, LastRun | null> = { [SYNC_KINDS.blizzardRoster]: null };
    const scheduleBody = (info: { scheduleId: string; paused: boolean; note?: string; nextRunAt: string | null } | null) =>
      info ? { scheduleId: info.scheduleId, paused: info.paused, ...(info.note ? { note: info.note } : {}), nextRunAt: info.nextRunAt } : null;
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    for (const { kind, latestFinished, latestSucceeded } of latest) {
      if (!latestFinished) {
        runs[kind] = null;
        continue;
      }
      const last: LastRun = summary(latestFinished);
      if (latestFinished.status !== 'succeeded') last.lastSucceeded = latestSucceeded ? summary(latestSucceeded) : null;
      runs[kind] = last;
    }

    const [running, schedule, discordSchedule] = temporal;
    const reachable = temporal.every((r) => r.status === 'fulfilled');
    if (!reachable) {
      const err = temporal.find((r) => r.status === 'rejected')?.reason;
      deps.logger.warn({ err, requestId: ctx.state.requestId }, 'status: Temporal unreachable; answering from the database');
    }
    const body: GuildSyncStatus = {
      guild: {
        key: guild.key,
        realmSlug: guild.realm_slug,
        nameSlug: guild.name_slug,
        ...(guild.name ? { name: guild.name } : {}),
      },
      runs: runs as GuildSyncStatus['runs'],
      schedule: schedule.status === 'fulfilled' ? scheduleBody(schedule.value) : null,
      running: running.status === 'fulfilled' ? running.value : null,
      discord: {
        serverId: deps.config.discord.guildId,
        demo: deps.config.discord.demo,
        lastReconcile: runs[SYNC_KINDS.discordReconcile] ?? null,
        schedule: discordSchedule.status === 'fulfilled' ? scheduleBody(discordSchedule.value) : null,
        members: discord.members,
        roles: discord.roles,
        listener: {
          ...discord.listener,
          connectedAt: iso(discord.listener.connectedAt),
          lastHeartbeatAt: iso(discord.listener.lastHeartbeatAt),
          lastEventAt: iso(discord.listener.lastEventAt),
        },
        lastMemberChangeAt: iso(discord.lastMemberChangeAt),
      },
      identity,
      audit: { firstReport: firstReportBody(firstReport) },
      temporal: reachable ? 'ok' : 'unreachable',
    };
    ctx.body = body;
  });

  router.post('/guild-sync/blizzard/trigger', requireApiKey('sync:trigger', deps), jsonBody({ required: false }), async (ctx) => {
    triggerBodySchema.parse(ctx.state.body ?? {});
    const triggered = await startOnTemporal(deps.rosterSync.trigger(), 'Temporal (start roster sync)');
    deps.logger.info(
      { requestId: ctx.state.requestId, keyPrefix: ctx.state.apiKey?.prefix, workflowId: triggered.workflowId, alreadyRunning: triggered.alreadyRunning },
      triggered.alreadyRunning ? 'roster sync already running; returned it' : 'roster sync started',
    );
    const body: TriggerResponse = {
      workflowId: triggered.workflowId,
      runId: triggered.runId,
      temporalUiUrl: triggered.temporalUiUrl,
      alreadyRunning: triggered.alreadyRunning,
    };
    ctx.status = 202;
    ctx.set('Location', STATUS_PATH);
    ctx.body = body;
  });

  router.post('/guild-sync/discord/trigger', requireApiKey('sync:trigger', deps), jsonBody({ required: false }), async (ctx) => {
    triggerBodySchema.parse(ctx.state.body ?? {});
    const triggered = await startOnTemporal(deps.discordSync.trigger(), 'Temporal (start Discord reconcile)');
    deps.logger.info({ requestId: ctx.state.requestId, keyPrefix: ctx.state.apiKey?.prefix, workflowId: triggered.workflowId }, 'Discord reconcile triggered');
    ctx.status = 202;
    ctx.set('Location', STATUS_PATH);
    ctx.body = triggered satisfies z.infer<typeof discordTriggerResponseSchema>;
  });

  return router;
}
