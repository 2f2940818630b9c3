import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { SheetFormatError } from '../core/identity/sheet';
import { importSheet } from '../db/operations/identity/importSheet';
import { runIdentity, type IdentityRunCounts } from '../db/operations/identity/runIdentity';
import { completeSheetImport, failSheetImport, sheetImportById, sheetImportInput } from '../db/operations/sheetImports/sheetImports';

/** What the identity step ran after: a sync, an upload, an officer's decision, or an officer asking (CLI). */
export type IdentityTrigger = 'blizzard_roster' | 'discord_reconcile' | 'addon_import' | 'officer_decision' | 'manual';

/** What the sheetImport workflow learns of an import: ids and counts only (the report stays on the row). */
export type SheetImportOutcome =
  | { status: 'imported'; importId: number; guildId: number; dryRun: boolean; players: number; linksCreated: number; linksConfirmed: number; problems: number; conflicts: number }
  | { status: 'failed'; importId: number; guildId: number; dryRun: boolean; code: 'SHEET_FORMAT' | 'IMPORT_FAILED'; message: string };

/** The identity step the sync workflows end with, and the recorded sheet imports (main task queue: database only). */
export function createIdentityActivities(deps: { knex: Knex; logger: Logger }) {
  const { knex, logger } = deps;
  return {
    /** Re-derives persons and links from what the sync just stored. Idempotent: a retry changes nothing more. */
    async runIdentityStep(input: { guildId: number; after: IdentityTrigger }): Promise<IdentityRunCounts> {
      const counts = await runIdentity(knex, input.guildId);
      logger.info({ guildId: input.guildId, after: input.after, ...counts }, 'identity step done');
      return counts;
    },

    /**
     * Imports a recorded sheet (sheet_imports row) and stores its report on the row. The import runs
     * the identity step inside its own transaction (a dry run rolls all of it back). A row already
     * finished is not imported again: a retry answers what it stored. A file that is not the sheet
     * fails the row at once (no retry helps).
     */
    async importRecordedSheet(input: { importId: number }): Promise<SheetImportOutcome> {
      const row = await sheetImportInput(knex, input.importId);
      if (!row) throw ApplicationFailure.nonRetryable(`Sheet import ${input.importId} is not recorded`, 'SheetImportMissing');
      if (row.status !== 'received') return outcomeOfFinished(input.importId);
      let report;
      try {
        report = await importSheet(knex, row.guildId, { discordIdsCsv: row.discordIdsCsv, charactersCsv: row.charactersCsv, dryRun: row.dryRun, by: row.by });
      } catch (err) {
        if (err instanceof SheetFormatError || (err as Error)?.name === 'SheetFormatError') {
          await failSheetImport(knex, input.importId, `SHEET_FORMAT: ${(err as Error).message}`);
          return { status: 'failed', importId: input.importId, guildId: row.guildId, dryRun: row.dryRun, code: 'SHEET_FORMAT', message: (err as Error).message };
        }
        throw err;
      }
      await completeSheetImport(knex, input.importId, report);
      logger.info({ importId: input.importId, guildId: row.guildId, dryRun: row.dryRun, players: report.players, problems: report.problems.length, conflicts: report.conflicts.length }, 'sheet imported');
      return {
        status: 'imported',
        importId: input.importId,
        guildId: row.guildId,
        dryRun: row.dryRun,
        players: report.players,
        linksCreated: report.linksCreated,
        linksConfirmed: report.linksConfirmed,
        problems: report.problems.length,
        conflicts: report.conflicts.length,
      };
    },

    /** The import failed after its retries: the row says so (unless it finished meanwhile). */
    async failRecordedSheet(input: { importId: number; message: string }): Promise<SheetImportOutcome> {
      await failSheetImport(knex, input.importId, `IMPORT_FAILED: ${input.message}`);
      return outcomeOfFinished(input.importId);
    },
  };

  async function outcomeOfFinished(importId: number): Promise<SheetImportOutcome> {
    const row = (await sheetImportById(knex, importId))!;
    if (row.status === 'imported' && row.report) {
      const r = row.report;
      return { status: 'imported', importId, guildId: row.guildId, dryRun: row.dryRun, players: r.players, linksCreated: r.linksCreated, linksConfirmed: r.linksConfirmed, problems: r.problems.length, conflicts: r.conflicts.length };
    }
    const [code, ...rest] = (row.error ?? 'IMPORT_FAILED: it did not run').split(': ');
    return { status: 'failed', importId, guildId: row.guildId, dryRun: row.dryRun, code: code === 'SHEET_FORMAT' ? 'SHEET_FORMAT' : 'IMPORT_FAILED', message: rest.join(': ') || (row.error ?? '') };
  }
}

export type IdentityActivities = ReturnType<typeof createIdentityActivities>;
