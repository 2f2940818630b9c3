import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { AddonExportError } from '../core/addon/readAddonExport';
import { importAddonUpload } from '../db/operations/addonUploads/importAddonUpload';
import { ApplicationFailure } from '@temporalio/common';

export interface AddonImportResult {
  uploadId: number;
  guildId: number;
  counts: Record<string, unknown>;
  warnings: string[];
}

/** Merging an addon upload's notes onto characters (main task queue: database only). */
export function createAddonActivities(deps: { knex: Knex; logger: Logger }) {
  const { knex, logger } = deps;
  return {
    async importAddonUpload(input: { uploadId: number }): Promise<AddonImportResult> {
      try {
        const row = await importAddonUpload(knex, input.uploadId);
        logger.info({ uploadId: row.id, exporter: row.exporter, counts: row.counts, warnings: row.warnings.length }, 'addon upload imported');
        return { uploadId: row.id, guildId: row.guild_id, counts: row.counts, warnings: row.warnings };
      } catch (err) {
        // The API validated the file before storing it; a file that no longer reads will not on a retry either.
        if (err instanceof AddonExportError) throw ApplicationFailure.nonRetryable(err.message, 'AddonExportError');
        throw err;
      }
    },
  };
}

export type AddonActivities = ReturnType<typeof createAddonActivities>;
