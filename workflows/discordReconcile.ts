import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { DiscordActivities } from '../activities/discordActivities';
import type { DiscordSyncActivities } from '../activities/discordSyncActivities';
import { innermostMessage } from './failures';
import { identityStep, requestAudit } from './identityStep';
import {
  TASK_QUEUES,
  discordReconcileProgressQuery,
  type DiscordReconcileCounts,
  type DiscordReconcileInput,
  type DiscordReconcileProgress,
  type DiscordReconcileResult,
} from './shared';

const bookkeeping = proxyActivities<DiscordSyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

function discordSteps(taskQueue: string) {
  return proxyActivities<DiscordActivities>({
    taskQueue,
    // 10,000 members are 10 pages; each page may wait out Discord's own retries.
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: 10,
      // A wrong token, a missing intent or server, or an empty list for a full server: fix, then rerun.
      nonRetryableErrorTypes: ['DiscordAccessError', 'DiscordNotFoundError', 'DiscordReconcileSafetyError'],
    },
  });
}

/**
 * The full Discord pass, as the runbook says it: open the run → roles → every member page by page
 * (members not seen are marked departed) → close the run with its counts. The gateway listener keeps
 * things live in between; this pass catches whatever it missed.
 */
export async function discordReconcile(input: DiscordReconcileInput): Promise<DiscordReconcileResult> {
  const progress: DiscordReconcileProgress = { phase: 'starting', syncRunId: null };
  setHandler(discordReconcileProgressQuery, () => progress);
  const discord = discordSteps(input.discordTaskQueue ?? TASK_QUEUES.discord);

  const begun = await bookkeeping.beginDiscordReconcile({ guild: input.guild });
  if (!begun.started) {
    progress.phase = 'skipped';
    return { status: 'skipped', syncRunId: null, counts: null, reason: begun.reason };
  }
  const { guildId, syncRunId } = begun;
  progress.syncRunId = syncRunId;

  try {
    progress.phase = 'roles';
    const roles = await discord.reconcileDiscordRoles({ guildId, discordGuildId: input.discordGuildId });

    progress.phase = 'members';
    const pass = await discord.reconcileDiscordMembers({ guildId, discordGuildId: input.discordGuildId, syncRunId });

    progress.phase = 'finishing';
    const m = pass.members;
    const counts: DiscordReconcileCounts = {
      pages: pass.pages,
      members: { seen: m.seen, new: m.new, rejoined: m.rejoined, changed: m.changed, unchanged: m.unchanged, stale: m.stale, departed: pass.departed },
      roles: { seen: roles.seen, new: roles.new, changed: roles.changed, deleted: roles.deleted },
      events: m.events,
      rowsWritten: pass.rowsWritten + roles.rowsWritten,
    };
    const stored = await bookkeeping.finishDiscordReconcile({ syncRunId, counts });
    progress.phase = 'matching';
    const identity = await identityStep(guildId, 'discord_reconcile');
    const audit = await requestAudit(guildId, 'discord_reconcile');
    progress.phase = 'done';
    return { status: 'succeeded', syncRunId, counts: stored, identity, audit };
  } catch (err) {
    await bookkeeping.failDiscordReconcile({ syncRunId, message: innermostMessage(err) });
    throw err;
  }
}
