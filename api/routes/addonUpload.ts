import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import getRawBody from 'raw-body';
import { z } from 'zod';
import { MAX_SAVED_VARIABLES_BYTES } from '../../core/addon/exportSchema';
import { AddonExportError } from '../../core/addon/readAddonExport';
import { Guild } from '../../db/models';
import { noteChangesOf, recentAddonUploads, type AddonUploadSummary } from '../../db/operations/addonUploads/addonUploadStatus';
import { recordAddonUpload, type AddonUploadRow } from '../../db/operations/addonUploads/recordAddonUpload';
import type { ApiDeps, ApiState } from '../app';
import { AppError, errorResponse } from '../errors';
import { unsupportedMediaType } from '../middleware/jsonBody';
import { apiKeyDoc, requireApiKey } from '../middleware/requireApiKey';
import { readAddonExportOffThread } from '../readAddonExportOffThread';
import { startOnTemporal } from '../withTimeout';

const UPLOAD_PATH = '/api/guild-sync/addon-upload';
const STATUS_PATH = '/api/guild-sync/addon-upload/status';
const uploadStatus = z.enum(['received', 'imported', 'failed', 'rejected']).meta({ description: 'failed: the import cannot succeed; error says why' });
/**
 * The file is Lua text: the companion sends application/octet-stream; text/plain and the Lua types
 * are the same bytes, and no Content-Type at all is read as the file too. Anything else (JSON, a
 * form) is a client mistaking this route for another: 415, before the body is read.
 */
export const ADDON_UPLOAD_TYPES = ['application/octet-stream', 'text/plain', 'text/x-lua', 'application/x-lua'] as const;
const isoTime = z.string().meta({ format: 'date-time', example: '2026-11-24T18:00:04.000Z' });

export const addonUploadResponseSchema = z
  .object({
    uploadId: z.number().int(),
    contentHash: z.string().meta({ description: 'SHA-256 of the file, hex' }),
    status: uploadStatus,
    duplicate: z.boolean().meta({ description: 'True when this exact file was uploaded before: that upload is returned, nothing new is stored' }),
    members: z.number().int(),
  })
  .meta({ id: 'AddonUploadAccepted' });

const uploadSummarySchema = z
  .object({
    uploadId: z.number().int(),
    receivedAt: isoTime,
    exportedAt: isoTime.nullable(),
    exporter: z.string().nullable().meta({ description: 'Name-Realm of the character who typed /pattsync' }),
    uploader: z.string().nullable().meta({ description: 'Name of the API key that sent it' }),
    status: uploadStatus,
    error: z.string().nullable().meta({ description: 'Why the import failed (status failed): what is wrong and where' }),
    officerNotesIncluded: z.boolean().nullable(),
    members: z.number().int().nullable(),
    counts: z.record(z.string(), z.unknown()).meta({ description: 'matchedByGuid, matchedByName, unmatched, guildNotesChanged, officerNotesChanged, guidsLearned, applied' }),
    warnings: z.array(z.string()),
    importedAt: isoTime.nullable(),
  })
  .meta({ id: 'AddonUpload' });

const noteChangesSchema = z
  .object({
    total: z.number().int(),
    changes: z.array(
      z.object({
        character: z.string().meta({ description: 'name-realm_slug of the character on record' }),
        kind: z.enum(['guild_note', 'officer_note']),
        note: z.string().meta({ description: 'The note as it is now' }),
      }),
    ),
  })
  .meta({ id: 'AddonNoteChanges', description: 'Notes the latest upload changed (the first 50 by character name)' });

export const addonUploadStatusSchema = z
  .object({
    last: uploadSummarySchema.nullable().meta({ description: 'The latest upload; null before the first' }),
    lastNoteChanges: noteChangesSchema.nullable(),
    recent: z.array(uploadSummarySchema).meta({ description: 'The latest five, newest first' }),
  })
  .meta({ id: 'AddonUploadStatus' });

const uploadDoc = apiKeyDoc('addon:upload');
const readDoc = apiKeyDoc('read');
export const addonUploadOpenApi: RouteConfig[] = [
  {
    method: 'post',
    path: UPLOAD_PATH,
    tags: ['addon'],
    summary: 'Upload the PATTSync SavedVariables file (the companion does this)',
    description:
      `${uploadDoc.scopeNote} The body is the file as the game wrote it (\`application/octet-stream\`, at most ${MAX_SAVED_VARIABLES_BYTES / 1024 / 1024} MB). ` +
      'It is read as data only (literals and tables, at most 64 levels deep), checked against the export schema, and must be this guild\'s (name, realm and region as configured); ' +
      'names and notes must be UTF-8 text without control characters (notes may hold tabs and line breaks), and the keys __proto__, constructor and prototype are refused. ' +
      'A bad file gets 400 with a code per refusal and `details` {line, column, path} (1-based), and nothing is stored. ' +
      'Send `X-Content-SHA256` to have the body checked. The same file again answers the first upload with `duplicate: true`. The notes are merged onto characters by a durable workflow.',
    security: uploadDoc.security,
    request: {
      body: {
        required: true,
        content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) }, 'text/plain': { schema: z.string().meta({ format: 'binary' }) } },
      },
    },
    responses: {
      202: { description: 'Accepted (or the same file was accepted before)', content: { 'application/json': { schema: addonUploadResponseSchema } } },
      400: errorResponse(
        'ADDON_EXPORT_SYNTAX, ADDON_EXPORT_NOT_DATA, ADDON_EXPORT_TOO_DEEP, ADDON_EXPORT_FORBIDDEN_KEY, ADDON_EXPORT_DUPLICATE_KEY, ADDON_EXPORT_INVALID_TEXT, ' +
          'ADDON_EXPORT_CONTROL_CHARACTER, ADDON_EXPORT_NOT_UTF8, ADDON_EXPORT_MISSING, ADDON_EXPORT_INVALID (the schema), ADDON_EXPORT_WRONG_GUILD, ADDON_EXPORT_WRONG_REALM, ' +
          'ADDON_EXPORT_WRONG_REGION (details: line, column, path), HASH_MISMATCH or EMPTY_BODY',
      ),
      401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'),
      403: errorResponse('SCOPE_REQUIRED: the key lacks addon:upload'),
      413: errorResponse('PAYLOAD_TOO_LARGE'),
      415: errorResponse(`UNSUPPORTED_MEDIA_TYPE: the body is not the file (Content-Type other than ${ADDON_UPLOAD_TYPES.join(', ')})`),
      422: errorResponse('ADDON_IMPORT_FAILED: this exact file was uploaded before and its import failed (final for this file; export again)'),
      503: errorResponse('TEMPORAL_UNAVAILABLE: the file is kept; send it again to start its import'),
    },
  },
  {
    method: 'get',
    path: STATUS_PATH,
    tags: ['addon'],
    summary: 'The latest addon uploads: who, when, what was merged, and warnings',
    description: readDoc.scopeNote,
    security: readDoc.security,
    responses: {
      200: { description: 'Upload status', content: { 'application/json': { schema: addonUploadStatusSchema } } },
      401: errorResponse('API_KEY_REQUIRED or API_KEY_INVALID'),
      403: errorResponse('SCOPE_REQUIRED: the key lacks read'),
    },
  },
];

/** POST /guild-sync/addon-upload and GET /guild-sync/addon-upload/status. */
export function addonUploadRoutes(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>();

  router.post('/guild-sync/addon-upload', requireApiKey('addon:upload', deps), async (ctx) => {
    if (ctx.get('Content-Type') && !ctx.is(...ADDON_UPLOAD_TYPES)) {
      throw unsupportedMediaType(ctx, `the SavedVariables file as it is (Content-Type: ${ADDON_UPLOAD_TYPES.join(', ')})`);
    }
    const bytes = await readBody(ctx.req, ctx.get('Content-Length'));
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    const claimed = ctx.get('X-Content-SHA256').trim().toLowerCase();
    if (claimed && claimed !== contentHash) {
      throw new AppError(400, 'HASH_MISMATCH', `The body's SHA-256 is ${contentHash}, not ${claimed} as X-Content-SHA256 says: the file changed or was cut in transit. Send it again.`);
    }

    let upload: AddonUploadRow | undefined = await deps.knex('addon_uploads').where({ guild_id: deps.guildId, content_hash: contentHash }).first();
    let duplicate = Boolean(upload);
    if (!upload) {
      // Checked whole before anything is stored: shape, text, and that it is this guild's export.
      const guild = await Guild.query(deps.knex).findById(deps.guildId).select('name');
      let exp;
      try {
        exp = await readAddonExportOffThread(bytes, {
          region: deps.config.blizzard.region,
          realmSlug: deps.config.guild.realmSlug,
          nameSlug: deps.config.guild.nameSlug,
          name: guild?.name ?? null,
        });
      } catch (err) {
        if (err instanceof AddonExportError) throw exportRefused(err);
        throw err;
      }
      const recorded = await recordAddonUpload(deps.knex, {
        guildId: deps.guildId,
        apiKeyId: ctx.state.apiKey?.id ?? null,
        contentHash,
        raw: bytes.toString('utf8'),
        summary: {
          members: exp.members.length,
          exportedAt: new Date(exp.exportedAt * 1000),
          exporter: exp.exporter.name,
          officerNotesIncluded: exp.exporter.canReadOfficerNotes,
        },
      });
      upload = recorded.upload;
      duplicate = recorded.duplicate;
    }
    if (upload.status === 'failed') {
      // Its import could not succeed, and the same bytes never will: final for this file version.
      throw new AppError(
        422,
        'ADDON_IMPORT_FAILED',
        `This exact file was uploaded before as #${upload.id}, and its import failed: ${upload.error ?? 'no reason recorded'}. Export again in the game once the cause is fixed; sending this file again changes nothing.`,
        { uploadId: upload.id },
      );
    }

    // Not yet imported (new, or an earlier request stored it but could not start the import).
    if (upload.status === 'received') {
      await startOnTemporal(
        deps.addonImport.start(upload.id),
        'Temporal (start addon import)',
        'so the import has not started (the file is kept; sending it again starts it)',
      );
    }
    deps.logger.info(
      { requestId: ctx.state.requestId, keyPrefix: ctx.state.apiKey?.prefix, uploadId: upload.id, members: upload.member_count, duplicate },
      duplicate ? 'addon upload repeated; answered with the first' : 'addon upload accepted',
    );
    ctx.status = 202;
    ctx.body = {
      uploadId: upload.id,
      contentHash,
      status: upload.status,
      duplicate,
      members: upload.member_count ?? 0,
    } satisfies z.infer<typeof addonUploadResponseSchema>;
  });

  router.get('/guild-sync/addon-upload/status', requireApiKey('read', deps), async (ctx) => {
    const recent = (await recentAddonUploads(deps.knex, deps.guildId)).map(summary);
    const last = recent[0] ?? null;
    ctx.body = {
      last,
      lastNoteChanges: last ? await noteChangesOf(deps.knex, last.uploadId) : null,
      recent,
    } satisfies z.infer<typeof addonUploadStatusSchema>;
  });

  return router;
}

async function readBody(req: import('node:http').IncomingMessage, contentLength: string): Promise<Buffer> {
  const limit = MAX_SAVED_VARIABLES_BYTES;
  if (contentLength && Number(contentLength) > limit) throw tooLarge(Number(contentLength));
  try {
    const bytes = await getRawBody(req, { limit, length: contentLength || undefined });
    if (bytes.length === 0) throw new AppError(400, 'EMPTY_BODY', 'The body is empty: send the SavedVariables file (PATTSync.lua) as it is.');
    return bytes;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw tooLarge((err as { length?: number }).length);
    if (type === 'request.size.invalid') throw new AppError(400, 'BODY_INCOMPLETE', 'The body ended before Content-Length said it would: send the file again.');
    throw err;
  }
}

/** A refused file: 400 with the refusal's own code, where it is (1-based line and column) and the path. */
function exportRefused(err: AddonExportError): AppError {
  const status = err.code === 'ADDON_EXPORT_TOO_LARGE' ? 413 : 400;
  const details = err.at || err.path ? { ...(err.at ? { line: err.at.line, column: err.at.column } : {}), ...(err.path ? { path: err.path } : {}) } : undefined;
  return new AppError(status, err.code, err.message, details);
}

function tooLarge(bytes?: number): AppError {
  const size = bytes ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'larger than allowed';
  return new AppError(413, 'PAYLOAD_TOO_LARGE', `The file is ${size}; at most ${MAX_SAVED_VARIABLES_BYTES / 1024 / 1024} MB is accepted (a 10,000-member guild writes about 5 MB).`);
}

function summary(u: AddonUploadSummary): z.infer<typeof uploadSummarySchema> {
  return {
    uploadId: u.id,
    receivedAt: u.received_at.toISOString(),
    exportedAt: u.exported_at?.toISOString() ?? null,
    exporter: u.exporter,
    uploader: u.uploader,
    status: u.status,
    error: u.error,
    officerNotesIncluded: u.officer_notes_included,
    members: u.member_count,
    counts: u.counts,
    warnings: u.warnings,
    importedAt: u.imported_at?.toISOString() ?? null,
  };
}
