import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from '../config/logger';
import { dataErrorReason, failAddonUpload } from '../db/operations/addonUploads/failAddonUpload';
import { importAddonUpload } from '../db/operations/addonUploads/importAddonUpload';

export interface AddonImportResult {
  uploadId: number;
  guildId: number;
  counts: Record<string, unknown>;
  warnings: string[];
}

/** The failure type of an import that cannot succeed (never retried). */
export const ADDON_IMPORT_FAILED = 'AddonImportFailed';

/** Merging an addon upload's notes onto characters (main task queue: database only). */
export function createAddonActivities(deps: { knex: Knex; logger: Logger }) {
  const { knex, logger } = deps;
  const cannotSucceed = (uploadId: number, reason: string) =>
    ApplicationFailure.create({ nonRetryable: true, type: ADDON_IMPORT_FAILED, message: `Addon upload #${uploadId} cannot be imported: ${reason}` });
  return {
    async importAddonUpload(input: { uploadId: number }): Promise<AddonImportResult> {
      let row;
      try {
        row = await importAddonUpload(knex, input.uploadId);
      } catch (err) {
        // The data is at fault: the same bytes fail the same way on every retry. Say so on the
        // upload at once, and end the import, rather than retry for minutes and leave it "received".
        const reason = dataErrorReason(err);
        if (reason === undefined) throw err;
        await failAddonUpload(knex, input.uploadId, reason);
        logger.warn({ uploadId: input.uploadId, reason }, 'addon upload cannot be imported; marked failed');
        throw cannotSucceed(input.uploadId, reason);
      }
      if (row.status === 'failed') throw cannotSucceed(row.id, row.error ?? 'no reason recorded');
      logger.info({ uploadId: row.id, exporter: row.exporter, counts: row.counts, warnings: row.warnings.length }, 'addon upload imported');
      return { uploadId: row.id, guildId: row.guild_id, counts: row.counts, warnings: row.warnings };
    },
  };
}

export type AddonActivities = ReturnType<typeof createAddonActivities>;
