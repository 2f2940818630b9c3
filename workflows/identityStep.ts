import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/auditActivities';
import type { IdentityActivities, IdentityTrigger } from '../activities/identityActivities';
import type { IdentityRunCounts } from '../core/identity/engine';
import { innermostMessage } from './failures';

const identity = proxyActivities<IdentityActivities>({
  // 10,000 characters plan in well under a second; a first run writes every link once.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export type IdentityStepResult = ({ status: 'succeeded' } & IdentityRunCounts) | { status: 'failed'; message: string };

/**
 * The identity step every sync ends with: match what changed. A sync whose data is stored stays a
 * success when matching fails after its retries; the failure is reported with the sync's result,
 * and the next sync matches again.
 */
export async function identityStep(guildId: number, after: IdentityTrigger): Promise<IdentityStepResult> {
  try {
    return { status: 'succeeded', ...(await identity.runIdentityStep({ guildId, after })) };
  } catch (err) {
    return { status: 'failed', message: innermostMessage(err) };
  }
}

const auditRequest = proxyActivities<AuditActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Then the audit: asked for, not waited on. The guild's audit workflow waits for a quiet spell, so
 * the syncs and uploads of one burst make one report. A failure to ask is reported with the sync's
 * result; the next sync asks again.
 */
export async function requestAudit(guildId: number, reason: IdentityTrigger | 'discord_event' | 'sheet_import'): Promise<{ status: 'requested'; workflowId: string } | { status: 'failed'; message: string }> {
  try {
    return { status: 'requested', ...(await auditRequest.requestAudit({ guildId, reason })) };
  } catch (err) {
    return { status: 'failed', message: innermostMessage(err) };
  }
}
