import Router from '@koa/router';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { discordOrphans, listPersons, wowOrphans } from '../../db/operations/identity/identityQueries';
import { confirmLink, confirmPlayer, IdentityConflict, IdentityNotFound, linkByOfficer, mergePersons, rejectLink, splitPerson } from '../../db/operations/identity/officerDecisions';
import { failSheetImport, recordSheetImport, sheetImportById, setSheetImportWorkflow, type SheetImportRow } from '../../db/operations/sheetImports/sheetImports';
import type { Config } from '../../config';
import type { ApiDeps, ApiState } from '../app';
import { AppError, errorResponse, temporalUnavailable } from '../errors';
import { temporalUiLink } from '../../temporal/connect';
import { jsonBody as readJsonBody, jsonBodyErrors } from '../middleware/jsonBody';
import { apiKeyDoc, requireApiKey } from '../middleware/requireApiKey';
import { boolean, id, idParam, pageQuery, text } from '../schemas';

/** How long a decision waits for its identity step on Temporal before it answers without it. */
export const DECISION_WAIT_MS = 20_000;
/** How long a sheet import waits for its report on Temporal before it answers 202 with the import's id. */
export const SHEET_WAIT_MS = 60_000;

// ---- Shapes ------------------------------------------------------------------------------------

const evidenceSchema = z
  .object({
    rule: z.string().meta({ example: 'discord_handle_in_note' }),
    source: z.enum(['officer_note', 'guild_note', 'discord_profile', 'roster', 'sheet', 'officer']),
    weight: z.number(),
    text: z.string().meta({ example: 'officer note "Discord: trog" names the Discord user trog' }),
    fuzzy: z.boolean().meta({ description: 'An accent-folded name: never enough to confirm on its own' }),
  })
  .meta({ id: 'Evidence' });

const characterSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    realmSlug: z.string(),
    realmName: z.string().nullable(),
    rank: z.number().int().nullable(),
    level: z.number().int().nullable(),
    className: z.string().nullable(),
    inGuild: z.boolean(),
  })
  .meta({ id: 'Character' });

const discordMemberSchema = z
  .object({
    id: z.number().int(),
    discordUserId: z.string(),
    username: z.string(),
    displayName: z.string().meta({ description: 'Server nickname, else global name, else username' }),
    present: z.boolean(),
  })
  .meta({ id: 'DiscordMember' });

const linkSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(['suggested', 'confirmed', 'rejected']),
    source: z.string().meta({ description: 'roster | notes | matcher | officer | sheet' }),
    confidence: z.number(),
    evidence: z.array(evidenceSchema),
    decidedBy: z.string().nullable().meta({ description: 'The officer (or "sheet import") who decided it; automation never changes a decided link' }),
    reason: z.string().nullable(),
    flag: z.object({ reason: z.string(), evidence: z.array(evidenceSchema) }).nullable().meta({ description: 'Set when the notes now contradict this decided link' }),
    character: characterSchema.nullable(),
    discordMember: discordMemberSchema.nullable(),
  })
  .meta({ id: 'IdentityLink' });

const personSchema = z
  .object({ id: z.number().int(), displayName: z.string(), namedBy: z.string().nullable(), main: characterSchema.nullable(), links: z.array(linkSchema) })
  .meta({ id: 'Person' });

const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ page: z.number().int(), pageSize: z.number().int(), total: z.number().int(), items: z.array(item) }).meta({ id });

const personsPageSchema = pageOf(personSchema, 'PersonsPage');
const wowOrphansPageSchema = pageOf(
  z.object({ character: characterSchema, personId: z.number().int().nullable(), reason: z.enum(['no_person', 'no_discord_account']), suggestions: z.number().int() }),
  'WowOrphansPage',
);
const discordOrphansPageSchema = pageOf(
  z.object({ discordMember: discordMemberSchema, personId: z.number().int().nullable(), reason: z.enum(['no_person', 'no_character_in_guild']), suggestions: z.number().int() }),
  'DiscordOrphansPage',
);

const personsQuery = pageQuery.extend({
  needs: z.enum(['suggestion', 'flag']).optional().meta({ description: 'Only persons with a suggestion to decide, or with a flagged link' }),
  search: text(100, { min: 1 }).optional().meta({ description: 'Part of a person, character or Discord name' }),
});

const who = {
  by: text(100, { min: 1 }).optional().meta({ description: 'The officer deciding; defaults to the API key’s name' }),
};
const linkBody = z
  .object({ personId: id('personId').optional(), characterId: id('characterId').optional(), discordMemberId: id('discordMemberId').optional(), ...who, reason: text(500, { min: 3 }).meta({ description: 'Why: kept with the link and in its history' }) })
  .strict()
  .refine((b) => b.characterId !== undefined || b.discordMemberId !== undefined, { message: 'Give characterId, discordMemberId, or both' })
  .refine((b) => b.personId === undefined || (b.characterId === undefined) !== (b.discordMemberId === undefined), {
    message: 'With personId, give exactly one of characterId or discordMemberId',
  })
  .meta({ id: 'OfficerLink' });
const confirmBody = z
  .object({
    linkId: id('linkId'),
    ...who,
    reason: text(500).optional(),
    wholePlayer: boolean().optional().meta({ description: "Default true: a suggestion that puts a character into a person confirms the same suggestion for that character's alts, so a player is confirmed in one decision" }),
  })
  .strict()
  .meta({ id: 'ConfirmLink' });
const rejectBody = z.object({ ...who, reason: text(500).optional() }).strict();
const mergeBody = z.object({ fromPersonId: id('fromPersonId'), intoPersonId: id('intoPersonId'), ...who, reason: text(500, { min: 3 }) }).strict().meta({ id: 'MergePersons' });
const splitBody = z.object({ personId: id('personId'), linkIds: z.array(id('linkIds[]')).min(1).max(200), ...who, reason: text(500, { min: 3 }) }).strict().meta({ id: 'SplitPerson' });

const linkIdParams = z.object({ linkId: idParam('linkId') });
const importIdParams = z.object({ importId: idParam('importId') });

const sheetBody = z
  .object({
    discordIdsCsv: text(1_000_000, { min: 1, trim: false }).meta({ description: 'The DiscordIDs tab, exported as CSV (Discord name, Discord ID)' }),
    charactersCsv: text(1_000_000, { min: 1, trim: false }).meta({ description: 'The Characters sheet, exported as CSV (Discord name, character, class, spec, role, main/alt)' }),
    dryRun: boolean().default(false).meta({ description: 'Report what would change and every unusable row; change nothing' }),
    ...who,
  })
  .strict()
  .meta({ id: 'SheetImport' });

const sheetReportSchema = z
  .object({
    dryRun: z.boolean(),
    players: z.number().int(),
    personsCreated: z.number().int(),
    personsUpdated: z.number().int(),
    linksCreated: z.number().int(),
    linksConfirmed: z.number().int().meta({ description: "Links automation had made, now the sheet's" }),
    linksUnchanged: z.number().int(),
    conflicts: z.array(z.object({ sheet: z.enum(['DiscordIDs', 'Characters']), row: z.number().int(), reason: z.string() })),
    problems: z.array(z.object({ sheet: z.enum(['DiscordIDs', 'Characters']), row: z.number().int(), cells: z.array(z.string()), reason: z.string() })),
    identity: z.record(z.string(), z.number()).nullable(),
    importId: z.number().int().meta({ description: 'The recorded import (sheet_imports): GET /api/identity/import-sheet/{importId}' }),
    workflowId: z.string(),
    temporalUiUrl: z.string().meta({ description: 'The sheetImport workflow in the Temporal UI' }),
  })
  .meta({ id: 'SheetImportReport' });

const sheetImportStatusSchema = z
  .object({
    importId: z.number().int(),
    status: z.enum(['received', 'imported', 'failed']).meta({ description: 'received: recorded, importing on Temporal' }),
    dryRun: z.boolean(),
    by: z.string(),
    receivedAt: z.string().meta({ format: 'date-time' }),
    finishedAt: z.string().meta({ format: 'date-time' }).nullable(),
    error: z.string().nullable(),
    report: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The SheetImportReport once imported' }),
    workflowId: z.string().nullable(),
    temporalUiUrl: z.string().nullable(),
    message: z.string().optional(),
  })
  .meta({ id: 'SheetImportStatus' });

const identityStepSchema = z
  .object({
    status: z.enum(['ran', 'failed', 'running', 'pending', 'not_needed']).meta({
      description:
        'ran: the identity step ran on Temporal after the decision (and the audit was asked for); failed: it ran and failed (the next sync runs it again); ' +
        'running: it did not finish within the wait and runs on; pending: Temporal did not answer, the decision is stored and the next sync (or `npm run cli -- identity run`) runs the step; ' +
        'not_needed: the decision was already recorded',
    }),
    workflowId: z.string().optional(),
    temporalUiUrl: z.string().optional(),
    auditRequested: z.boolean().optional(),
    message: z.string().optional().meta({ description: 'What happened and, when the step did not run, when it will' }),
  })
  .meta({ id: 'IdentityStepAfterDecision' });

const decisionSchema = z
  .object({
    personId: z.number().int(),
    linkIds: z.array(z.number().int()),
    changed: z.boolean().meta({ description: 'False when this decision was already recorded: nothing changed' }),
    person: personSchema.nullable().meta({ description: 'The person as it is now: after the identity step ran, unless identityStep says it has not yet' }),
    identityStep: identityStepSchema,
  })
  .meta({ id: 'IdentityDecision' });

// ---- OpenAPI -----------------------------------------------------------------------------------

const readDoc = apiKeyDoc('read');
const writeDoc = apiKeyDoc('identity:write');
const readErrors = { 400: errorResponse('VALIDATION_FAILED'), 401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'), 403: errorResponse('SCOPE_REQUIRED: the key lacks read') };
const writeErrors = {
  400: errorResponse('VALIDATION_FAILED, INVALID_JSON or BODY_REQUIRED'),
  401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'),
  403: errorResponse('SCOPE_REQUIRED: the key lacks identity:write'),
  404: errorResponse('IDENTITY_NOT_FOUND: the person, link, character or Discord member is not in this guild'),
  409: errorResponse('IDENTITY_CONFLICT: officers already decided otherwise; the message names the link and how to undo it'),
  ...jsonBodyErrors,
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

export const identityOpenApi: RouteConfig[] = [
  {
    method: 'get',
    path: '/api/identity/persons',
    tags: ['identity'],
    summary: 'Persons with their characters and Discord accounts, each link with its evidence',
    description: `${readDoc.scopeNote} Links come confirmed first, then suggestions (by confidence), then rejections. Paginated.`,
    security: readDoc.security,
    request: { query: personsQuery },
    responses: { 200: json(personsPageSchema, 'One page of persons'), ...readErrors },
  },
  {
    method: 'get',
    path: '/api/identity/orphans/wow',
    tags: ['identity'],
    summary: 'Characters in the guild nobody can reach on Discord',
    description: `${readDoc.scopeNote} A character with no person, or whose person has no confirmed Discord account; with how many suggestions wait for officers.`,
    security: readDoc.security,
    request: { query: pageQuery },
    responses: { 200: json(wowOrphansPageSchema, 'One page of characters, by rank then name'), ...readErrors },
  },
  {
    method: 'get',
    path: '/api/identity/orphans/discord',
    tags: ['identity'],
    summary: 'Discord accounts on the server with no character in the guild behind them',
    description: `${readDoc.scopeNote} Bots and departed members are left out.`,
    security: readDoc.security,
    request: { query: pageQuery },
    responses: { 200: json(discordOrphansPageSchema, 'One page of Discord accounts, by username'), ...readErrors },
  },
  {
    method: 'post',
    path: '/api/identity/link',
    tags: ['identity'],
    summary: "An officer's link: a character or Discord account belongs to a person",
    description:
      `${writeDoc.scopeNote} With \`personId\`: the character or account joins that person. Without: a character and an account are one person ` +
      "(the character's, else the account's, else a new one). Automation never changes the link; who and why are kept with it.",
    security: writeDoc.security,
    request: jsonBody(linkBody),
    responses: { 200: json(decisionSchema, 'Linked'), ...writeErrors },
  },
  {
    method: 'post',
    path: '/api/identity/confirm',
    tags: ['identity'],
    summary: 'Confirm a suggestion (a whole player at once)',
    description: `${writeDoc.scopeNote} The suggestion becomes an officer's decision and stays through every later sync. A suggestion that puts a character into a person brings the character's alts along (\`wholePlayer\`, default true). A sheet row the notes disputed becomes the officer's decision, and other sheet rows for the same character are settled as rejected.`,
    security: writeDoc.security,
    request: jsonBody(confirmBody),
    responses: { 200: json(decisionSchema, 'Confirmed (or already confirmed)'), ...writeErrors },
  },
  {
    method: 'delete',
    path: '/api/identity/link/{linkId}',
    tags: ['identity'],
    summary: 'Remove a link (or reject a suggestion): remembered as a rejection',
    description: `${writeDoc.scopeNote} The pair is never suggested again. Send \`by\` and \`reason\` as a JSON body (Content-Type: application/json) or as query parameters.`,
    security: writeDoc.security,
    request: { params: linkIdParams, query: rejectBody, body: { required: false, content: { 'application/json': { schema: rejectBody } } } },
    responses: { 200: json(decisionSchema, 'Rejected (or already rejected)'), ...writeErrors },
  },
  {
    method: 'post',
    path: '/api/identity/import-sheet',
    tags: ['identity'],
    summary: "Import the officers' Google Sheet (two CSV exports) as persons and confirmed links",
    description:
      `${writeDoc.scopeNote} Idempotent: the same sheet again changes nothing. Rows it cannot use are listed with their row number and why ` +
      "(a cell naming two accounts, `None`, full-width brackets, a character not on the roster, a Discord id not on the server); a link officers decided otherwise is reported, not overwritten. " +
      'With `dryRun` the report says what would change and nothing is stored. The CLI does the same: `npm run cli -- identity import-sheet`. ' +
      'The sheet is recorded first (sheet_imports), then imported by the `sheetImport` workflow on Temporal, which then asks for the audit (not after a dry run). ' +
      'The answer waits for the report up to 60 s; after that it is 202 with the import id to look up. The same sheet sent again while it imports joins that import.',
    security: writeDoc.security,
    request: jsonBody(sheetBody),
    responses: {
      200: json(sheetReportSchema, 'What changed (or would), and the rows not used'),
      202: json(sheetImportStatusSchema, 'Recorded and importing on Temporal; not finished within the wait'),
      ...writeErrors,
      400: errorResponse('VALIDATION_FAILED, or SHEET_FORMAT: a file is not the expected tab (the message names the missing column)'),
      503: errorResponse('TEMPORAL_UNAVAILABLE: nothing was imported; send it again'),
    },
  },
  {
    method: 'get',
    path: '/api/identity/import-sheet/{importId}',
    tags: ['identity'],
    summary: 'A recorded sheet import: its status and, once imported, its report',
    description: readDoc.scopeNote,
    security: readDoc.security,
    request: { params: importIdParams },
    responses: { 200: json(sheetImportStatusSchema, 'The import'), ...readErrors, 404: errorResponse('NOT_FOUND: no such import in this guild') },
  },
  {
    method: 'post',
    path: '/api/identity/persons/merge',
    tags: ['identity'],
    summary: 'Merge one person into another, keeping every link and its history',
    description: writeDoc.scopeNote,
    security: writeDoc.security,
    request: jsonBody(mergeBody),
    responses: { 200: json(decisionSchema, 'Merged'), ...writeErrors },
  },
  {
    method: 'post',
    path: '/api/identity/persons/split',
    tags: ['identity'],
    summary: 'Split links off a person into a new one; notes will not join them again',
    description: writeDoc.scopeNote,
    security: writeDoc.security,
    request: jsonBody(splitBody),
    responses: { 200: json(decisionSchema, 'Split; personId is the new person'), ...writeErrors },
  },
];

// ---- Routes ------------------------------------------------------------------------------------

/** Officer decisions answer 404/409 with the operation's own message, which says what to do. */
async function deciding<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof IdentityNotFound) throw new AppError(404, 'IDENTITY_NOT_FOUND', err.message);
    if (err instanceof IdentityConflict) throw new AppError(409, 'IDENTITY_CONFLICT', err.message, err.details);
    throw err;
  }
}

const officer = (ctx: ParameterizedContext<ApiState>, by: string | undefined) => by ?? ctx.state.apiKey?.name ?? 'officer';

/** When the identity step runs if Temporal did not take the request now: every sync ends with it. */
function whenItRuns(config: Pick<Config, 'discord' | 'rosterSync'>): string {
  const hours = config.rosterSync.hoursUtc.map((h) => `${String(h).padStart(2, '0')}:00`).join(', ');
  return (
    `the identity step runs with the next sync (the Discord reconcile, every ${config.discord.reconcileEveryMinutes} min, or the roster sync at ${hours} UTC), ` +
    'each of which ends with it, or now with `npm run cli -- identity run` once Temporal is back'
  );
}

/** Temporal did not take the call (down, unreachable, past the deadline), as opposed to a bug. */
const temporalDown = (err: unknown) => err instanceof ServiceError || isGrpcServiceError(err) || (err as Error)?.name === 'ServiceError';

function sheetImportStatus(row: SheetImportRow, link: (workflowId: string) => string, workflowId: string | null, message?: string): z.infer<typeof sheetImportStatusSchema> {
  return {
    importId: row.id,
    status: row.status,
    dryRun: row.dryRun,
    by: row.by,
    receivedAt: row.receivedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: row.error,
    report: (row.report as unknown as Record<string, unknown>) ?? null,
    workflowId,
    temporalUiUrl: workflowId ? link(workflowId) : null,
    ...(message ? { message } : {}),
  };
}

export function identityRoutes(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/identity' });
  const read = requireApiKey('read', deps);
  const write = requireApiKey('identity:write', deps);

  /**
   * After a decision (stored in its own transaction): the identity step runs on Temporal (the
   * guild's identityUpdate workflow, then the audit), and the answer waits for it, so it shows the
   * person as it now is. If Temporal does not answer, the decision stays stored and the answer
   * says when the step will run: never a 503 for a decision already made.
   */
  async function settled(ctx: ParameterizedContext<ApiState>, personId: number, linkIds: number[], changed: boolean): Promise<z.infer<typeof decisionSchema>> {
    let identityStep: z.infer<typeof identityStepSchema> = { status: 'not_needed' };
    if (changed) {
      try {
        if (!deps.identity) throw new Error('no Temporal client is configured for the identity step');
        const outcome = await deps.identity.update(deps.guildId, 'officer_decision', { waitMs: DECISION_WAIT_MS });
        const where = { workflowId: outcome.workflowId, temporalUiUrl: outcome.temporalUiUrl };
        if (outcome.status === 'running') {
          identityStep = { status: 'running', ...where, message: `The identity step is running on Temporal and did not finish within ${DECISION_WAIT_MS / 1000} s; the person below is as it was before it. It finishes on its own (then the audit is asked for): follow it in the Temporal UI.` };
        } else if (outcome.round.identity.status === 'succeeded') {
          identityStep = { status: 'ran', ...where, auditRequested: outcome.round.audit.status === 'requested' };
        } else {
          identityStep = { status: 'failed', ...where, auditRequested: outcome.round.audit.status === 'requested', message: `The decision is stored, but the identity step failed: ${outcome.round.identity.message}. The next sync runs it again.` };
        }
      } catch (err) {
        deps.logger.warn({ err, requestId: ctx.state.requestId }, 'identity step not requested: Temporal did not answer; the decision is stored');
        identityStep = { status: 'pending', message: `The decision is stored. Temporal did not answer (${(err as Error).message}), so ${whenItRuns(deps.config)}.` };
      }
    }
    const page = await listPersons(deps.knex, deps.guildId, { page: 1, pageSize: 1, personId });
    return { personId, linkIds, changed, person: page.persons[0] ?? null, identityStep };
  }

  router.get('/persons', read, async (ctx) => {
    const q = personsQuery.parse(ctx.query);
    const { total, persons } = await listPersons(deps.knex, deps.guildId, q);
    ctx.body = { page: q.page, pageSize: q.pageSize, total, items: persons } satisfies z.infer<typeof personsPageSchema>;
  });

  router.get('/orphans/wow', read, async (ctx) => {
    const q = pageQuery.parse(ctx.query);
    const { total, orphans } = await wowOrphans(deps.knex, deps.guildId, q);
    ctx.body = { page: q.page, pageSize: q.pageSize, total, items: orphans } satisfies z.infer<typeof wowOrphansPageSchema>;
  });

  router.get('/orphans/discord', read, async (ctx) => {
    const q = pageQuery.parse(ctx.query);
    const { total, orphans } = await discordOrphans(deps.knex, deps.guildId, q);
    ctx.body = { page: q.page, pageSize: q.pageSize, total, items: orphans } satisfies z.infer<typeof discordOrphansPageSchema>;
  });

  router.post('/link', write, readJsonBody({ required: true }), async (ctx) => {
    const b = linkBody.parse(ctx.state.body);
    const by = officer(ctx, b.by);
    const done = await deciding(linkByOfficer(deps.knex, deps.guildId, { ...b, by }));
    deps.logger.info({ requestId: ctx.state.requestId, by, ...done }, 'officer linked');
    ctx.body = await settled(ctx, done.personId, done.linkIds, true);
  });

  router.post('/confirm', write, readJsonBody({ required: true }), async (ctx) => {
    const b = confirmBody.parse(ctx.state.body);
    const by = officer(ctx, b.by);
    const decision = { by, reason: b.reason ?? 'confirmed the suggestion' };
    const done = b.wholePlayer === false ? { ...(await deciding(confirmLink(deps.knex, deps.guildId, b.linkId, decision))), linkIds: [b.linkId] } : await deciding(confirmPlayer(deps.knex, deps.guildId, b.linkId, decision));
    deps.logger.info({ requestId: ctx.state.requestId, by, ...done }, 'officer confirmed a link');
    ctx.body = await settled(ctx, done.personId, done.linkIds, done.changed);
  });

  router.delete('/link/:linkId', write, readJsonBody({ required: false }), async (ctx) => {
    const linkId = linkIdParams.parse(ctx.params).linkId;
    const sent = ctx.state.body as Record<string, unknown> | undefined;
    const b = rejectBody.parse(sent && Object.keys(sent).length > 0 ? sent : ctx.query);
    const by = officer(ctx, b.by);
    const done = await deciding(rejectLink(deps.knex, deps.guildId, linkId, { by, reason: b.reason ?? 'removed by an officer' }));
    deps.logger.info({ requestId: ctx.state.requestId, by, ...done }, 'officer rejected a link');
    ctx.body = await settled(ctx, done.personId, [done.linkId], done.changed);
  });

  const uiLink = (workflowId: string) => temporalUiLink(deps.config, workflowId);

  /**
   * The sheet is recorded first, then imported by the sheetImport workflow (which asks for the
   * audit after a real import); the answer waits for the report, bounded.
   */
  router.post('/import-sheet', write, readJsonBody({ required: true }), async (ctx) => {
    const b = sheetBody.parse(ctx.state.body);
    const by = officer(ctx, b.by);
    const { importId, joined } = await recordSheetImport(deps.knex, deps.guildId, { discordIdsCsv: b.discordIdsCsv, charactersCsv: b.charactersCsv, dryRun: b.dryRun, by });
    let run;
    try {
      if (!deps.sheetImport) throw Object.assign(new Error('no Temporal client is configured for sheet imports'), { name: 'ServiceError' });
      run = await deps.sheetImport.run(importId, { waitMs: SHEET_WAIT_MS });
    } catch (err) {
      if (!temporalDown(err)) throw err;
      // Nothing imported it: the row says so, and a late start finds it failed and imports nothing.
      if (!joined) await failSheetImport(deps.knex, importId, `TEMPORAL_UNAVAILABLE: ${(err as Error).message}`);
      throw temporalUnavailable(err, `so the sheet (import ${importId}) was not imported; send it again`);
    }
    await setSheetImportWorkflow(deps.knex, importId, run.workflowId);
    const row = (await sheetImportById(deps.knex, importId))!;
    deps.logger.info({ requestId: ctx.state.requestId, by, importId, joined, dryRun: b.dryRun, workflowId: run.workflowId, status: row.status }, 'sheet import');
    if (!run.result || row.status === 'received') {
      ctx.status = 202;
      ctx.set('Location', `/api/identity/import-sheet/${importId}`);
      ctx.body = sheetImportStatus(row, uiLink, run.workflowId, `Still importing on Temporal after ${SHEET_WAIT_MS / 1000} s; GET /api/identity/import-sheet/${importId} gives the report when it is done.`);
      return;
    }
    if (row.status === 'failed' || !row.report) {
      const [code, ...rest] = (row.error ?? 'IMPORT_FAILED: the import failed').split(': ');
      if (code === 'SHEET_FORMAT') throw new AppError(400, 'SHEET_FORMAT', rest.join(': '));
      throw new AppError(500, 'SHEET_IMPORT_FAILED', `Sheet import ${importId} failed: ${rest.join(': ') || row.error}. Nothing was imported; see the workflow ${run.temporalUiUrl}.`, undefined, { expose: true });
    }
    const report = row.report;
    ctx.body = { ...report, identity: report.identity ? { ...report.identity } : null, importId, workflowId: run.workflowId, temporalUiUrl: run.temporalUiUrl } satisfies z.infer<typeof sheetReportSchema>;
  });

  router.get('/import-sheet/:importId', read, async (ctx) => {
    const importId = importIdParams.parse(ctx.params).importId;
    const row = await sheetImportById(deps.knex, importId);
    if (!row || row.guildId !== deps.guildId) throw new AppError(404, 'NOT_FOUND', `Sheet import ${importId} is not in this guild.`);
    const wf = await deps.knex('sheet_imports').where({ id: importId }).first('workflow_id');
    ctx.body = sheetImportStatus(row, uiLink, wf?.workflow_id ?? null);
  });

  router.post('/persons/merge', write, readJsonBody({ required: true }), async (ctx) => {
    const b = mergeBody.parse(ctx.state.body);
    const by = officer(ctx, b.by);
    const done = await deciding(mergePersons(deps.knex, deps.guildId, b.fromPersonId, b.intoPersonId, { by, reason: b.reason }));
    ctx.body = await settled(ctx, done.personId, [], true);
  });

  router.post('/persons/split', write, readJsonBody({ required: true }), async (ctx) => {
    const b = splitBody.parse(ctx.state.body);
    const by = officer(ctx, b.by);
    const done = await deciding(splitPerson(deps.knex, deps.guildId, b.personId, b.linkIds, { by, reason: b.reason }));
    ctx.body = await settled(ctx, done.newPersonId, b.linkIds, true);
  });

  return router;
}
