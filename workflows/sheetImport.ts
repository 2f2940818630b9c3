import { proxyActivities } from '@temporalio/workflow';
import type { IdentityActivities, SheetImportOutcome } from '../activities/identityActivities';
import { innermostMessage } from './failures';
import { requestAudit } from './identityStep';
import type { AuditRequestResult } from './shared';

const sheets = proxyActivities<IdentityActivities>({
  // A sheet of a few hundred rows imports (and matches the guild) in seconds; the database may be briefly away.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});

export type SheetImportResult = SheetImportOutcome & { audit?: AuditRequestResult };

/**
 * A recorded officers' sheet (sheet_imports row), imported: persons and confirmed links, the
 * identity step inside the same transaction (a dry run rolls all of it back), the report stored on
 * the row. Then the audit is asked for (not after a dry run: nothing changed). Only the row's id
 * goes through history; the CSV texts stay in the database.
 */
export async function sheetImport(input: { importId: number }): Promise<SheetImportResult> {
  let outcome: SheetImportOutcome;
  try {
    outcome = await sheets.importRecordedSheet(input);
  } catch (err) {
    outcome = await sheets.failRecordedSheet({ importId: input.importId, message: innermostMessage(err) });
  }
  if (outcome.status !== 'imported' || outcome.dryRun) return outcome;
  return { ...outcome, audit: await requestAudit(outcome.guildId, 'sheet_import') };
}
