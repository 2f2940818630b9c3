import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { SheetImportReport } from '../identity/importSheet';

type Db = Knex | Knex.Transaction;

export type SheetImportStatus = 'received' | 'imported' | 'failed';

export interface SheetImportRow {
  id: number;
  guildId: number;
  dryRun: boolean;
  by: string;
  status: SheetImportStatus;
  report: SheetImportReport | null;
  error: string | null;
  receivedAt: Date;
  finishedAt: Date | null;
}

export interface SheetImportInput {
  discordIdsCsv: string;
  charactersCsv: string;
  dryRun: boolean;
  by: string;
}

/** SHA-256 of what the import reads: both texts and whether it is a dry run (who sends it does not matter). */
export function sheetContentHash(input: Pick<SheetImportInput, 'discordIdsCsv' | 'charactersCsv' | 'dryRun'>): string {
  const h = createHash('sha256');
  for (const part of [input.dryRun ? 'dry-run' : 'import', input.discordIdsCsv, input.charactersCsv]) h.update(`${Buffer.byteLength(part)}:`).update(part);
  return h.digest('hex');
}

const COLUMNS = ['id', 'guild_id', 'dry_run', 'by', 'status', 'report', 'error', 'received_at', 'finished_at'] as const;

const toRow = (r: Record<string, any>): SheetImportRow => ({
  id: r.id,
  guildId: r.guild_id,
  dryRun: r.dry_run,
  by: r.by,
  status: r.status,
  report: r.report ?? null,
  error: r.error ?? null,
  receivedAt: r.received_at,
  finishedAt: r.finished_at ?? null,
});

/**
 * Records a sheet as sent, before anything imports it: the sheetImport workflow then imports the
 * row by its id. The same content sent again while an import of it is still running joins that
 * one (`joined: true`) instead of importing it twice at once; sent again after it finished, it is
 * a new import (which changes nothing: the import is idempotent).
 */
export async function recordSheetImport(knex: Knex, guildId: number, input: SheetImportInput): Promise<{ importId: number; joined: boolean }> {
  const hash = sheetContentHash(input);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const inserted = await knex.raw(
      `INSERT INTO sheet_imports (guild_id, discord_ids_csv, characters_csv, content_hash, dry_run, by)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (guild_id, content_hash) WHERE status = 'received' DO NOTHING
       RETURNING id`,
      [guildId, input.discordIdsCsv, input.charactersCsv, hash, input.dryRun, input.by],
    );
    if (inserted.rows.length > 0) return { importId: inserted.rows[0].id, joined: false };
    const running = await knex('sheet_imports').where({ guild_id: guildId, content_hash: hash, status: 'received' }).first('id');
    // It finished between the insert and this read: record it again.
    if (running) return { importId: running.id, joined: true };
  }
  throw new Error('Could not record the sheet import: the same sheet keeps finishing and restarting; send it again.');
}

export async function sheetImportById(db: Db, importId: number): Promise<SheetImportRow | null> {
  const r = await db('sheet_imports').where({ id: importId }).first(COLUMNS);
  return r ? toRow(r) : null;
}

/** The CSV texts of a recorded import, for the activity that imports it (never through workflow history). */
export async function sheetImportInput(db: Db, importId: number): Promise<(SheetImportInput & { guildId: number; status: SheetImportStatus }) | null> {
  const r = await db('sheet_imports').where({ id: importId }).first('guild_id', 'discord_ids_csv', 'characters_csv', 'dry_run', 'by', 'status');
  return r ? { guildId: r.guild_id, discordIdsCsv: r.discord_ids_csv, charactersCsv: r.characters_csv, dryRun: r.dry_run, by: r.by, status: r.status } : null;
}

/** Stores the import's report; the import ran, so this holds even if the row was marked failed meanwhile. */
export async function completeSheetImport(db: Db, importId: number, report: SheetImportReport, now = new Date()): Promise<void> {
  await db('sheet_imports').where({ id: importId }).update({ status: 'imported', report: JSON.stringify(report), error: null, finished_at: now });
}

/** Marks an import that has not run as failed, with why. Returns false when it had already finished. */
export async function failSheetImport(db: Db, importId: number, error: string, now = new Date()): Promise<boolean> {
  const n = await db('sheet_imports').where({ id: importId, status: 'received' }).update({ status: 'failed', error, finished_at: now });
  return n > 0;
}

export async function setSheetImportWorkflow(db: Db, importId: number, workflowId: string): Promise<void> {
  await db('sheet_imports').where({ id: importId }).update({ workflow_id: workflowId });
}

/** Did a real (not dry-run) sheet import succeed for this guild? Links with source "sheet" from before sheet imports were recorded count too. */
export async function sheetImported(db: Db, guildId: number): Promise<boolean> {
  if (await db('sheet_imports').where({ guild_id: guildId, status: 'imported', dry_run: false }).first('id')) return true;
  return Boolean(await db('identity_links').where({ guild_id: guildId, source: 'sheet' }).first('id'));
}
