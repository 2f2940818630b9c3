import { proxyActivities } from '@temporalio/workflow';
import type { AddonActivities, AddonImportResult } from '../activities/addonActivities';

const steps = proxyActivities<AddonActivities>({
  // A 10,000-member export merges in a few seconds; the database may be briefly away.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/**
 * An accepted addon upload, merged onto the guild's characters: one idempotent step, durable so an
 * upload the API accepted is imported even if the worker was down when it arrived.
 */
export async function addonImport(input: { uploadId: number }): Promise<AddonImportResult> {
  return steps.importAddonUpload(input);
}
