import { proxyActivities } from '@temporalio/workflow';
import type { AddonActivities, AddonImportResult } from '../activities/addonActivities';
import { identityStep, requestAudit, type IdentityStepResult } from './identityStep';

const steps = proxyActivities<AddonActivities>({
  // A 10,000-member export merges in a few seconds; the database may be briefly away.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/**
 * An accepted addon upload, merged onto the guild's characters (one idempotent step, durable so an
 * upload the API accepted is imported even if the worker was down when it arrived), then the
 * identity step: new notes name mains and Discord accounts.
 */
export async function addonImport(input: { uploadId: number }): Promise<AddonImportResult & { identity?: IdentityStepResult; audit?: Awaited<ReturnType<typeof requestAudit>> }> {
  const imported = await steps.importAddonUpload(input);
  // An export older than one already imported changed nothing: nothing new to match.
  if (imported.counts.applied === false) return imported;
  const identity = await identityStep(imported.guildId, 'addon_import');
  return { ...imported, identity, audit: await requestAudit(imported.guildId, 'addon_import') };
}
