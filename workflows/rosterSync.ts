import { proxyActivities, setHandler, type RetryPolicy } from '@temporalio/workflow';
import type { BlizzardActivities } from '../activities/blizzardActivities';
import type { RosterSyncActivities } from '../activities/rosterSyncActivities';
import { innermostMessage } from './failures';
import { identityStep, requestAudit } from './identityStep';
import {
  TASK_QUEUES,
  rosterSyncProgressQuery,
  type RosterSyncInput,
  type RosterSyncProgress,
  type RosterSyncResult,
} from './shared';

/** Bookkeeping in PostgreSQL (on the workflow's own queue): quick, retried a few times. */
const bookkeeping = proxyActivities<RosterSyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    // An empty roster for a guild with members is refused; retrying cannot change that.
    nonRetryableErrorTypes: ['RosterSafetyError'],
  },
});

/** Blizzard calls: paced by the worker's limiter, retried patiently (a 429 sets its own delay). */
const blizzardRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 30,
  nonRetryableErrorTypes: ['BlizzardAuthError', 'BlizzardNotFoundError'],
};
function blizzardSteps(taskQueue: string) {
  return {
    roster: proxyActivities<BlizzardActivities>({ taskQueue, startToCloseTimeout: '2 minutes', retry: blizzardRetry }),
    profiles: proxyActivities<BlizzardActivities>({
      taskQueue,
      startToCloseTimeout: '10 minutes',
      // A lost worker is noticed within seconds; the retry carries on where the batch stopped.
      heartbeatTimeout: '15 seconds',
      retry: blizzardRetry,
    }),
  };
}

/** Batches in flight at once: enough to keep the rate limiter busy between batches. */
const BATCHES_IN_FLIGHT = 3;

/**
 * The guild roster sync, as the runbook says it: open the run → fetch the roster → fetch every
 * member's profile in batches → close the run with its counts (and leave events).
 */
export async function guildRosterSync(input: RosterSyncInput): Promise<RosterSyncResult> {
  const progress: RosterSyncProgress = { phase: 'starting', syncRunId: null, membersTotal: 0, membersProcessed: 0, batchesTotal: 0, batchesDone: 0 };
  setHandler(rosterSyncProgressQuery, () => progress);
  const { roster, profiles } = blizzardSteps(input.blizzardTaskQueue ?? TASK_QUEUES.blizzard);

  const begun = await bookkeeping.beginRosterSync({ guild: input.guild });
  if (!begun.started) {
    progress.phase = 'skipped';
    return { status: 'skipped', syncRunId: null, counts: null, reason: begun.reason };
  }
  const { syncRunId, guildId } = begun;
  progress.syncRunId = syncRunId;

  try {
    progress.phase = 'fetching_roster';
    const { members } = await roster.fetchGuildRoster({ syncRunId, guildId, guild: input.guild });

    progress.phase = 'fetching_profiles';
    progress.membersTotal = members;
    const batches: { fromPosition: number; toPosition: number }[] = [];
    for (let from = 0; from < members; from += input.profileBatchSize) {
      batches.push({ fromPosition: from, toPosition: Math.min(from + input.profileBatchSize, members) });
    }
    progress.batchesTotal = batches.length;
    let next = 0;
    const lane = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const result = await profiles.syncProfileBatch({ syncRunId, ...batch });
        progress.batchesDone += 1;
        progress.membersProcessed += result.processed;
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, batches.length) }, lane));

    progress.phase = 'finishing';
    const counts = await bookkeeping.finishRosterSync({ syncRunId });
    progress.phase = 'matching';
    const identity = await identityStep(guildId, 'blizzard_roster');
    const audit = await requestAudit(guildId, 'blizzard_roster');
    progress.phase = 'done';
    return { status: 'succeeded', syncRunId, counts, identity, audit };
  } catch (err) {
    await bookkeeping.failRosterSync({ syncRunId, message: innermostMessage(err) });
    throw err;
  }
}
