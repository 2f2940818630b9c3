import { activityInfo } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { ensureGuild, type GuildIdentity } from '../db/operations/guilds/ensureGuild';
import { finishRosterRun } from '../db/operations/rosterSync/finishRosterRun';
import { beginSyncRun } from '../db/operations/syncRuns/beginSyncRun';
import { failSyncRun } from '../db/operations/syncRuns/failSyncRun';
import { SYNC_KINDS, type RosterSyncCounts } from '../workflows/shared';

export type BeginRosterSyncResult =
  | { started: true; guildId: number; syncRunId: number }
  | { started: false; guildId: number; reason: string };

/** Bookkeeping steps of the roster sync: database only, on the main task queue. */
export function createRosterSyncActivities(deps: { knex: Knex; logger: Logger }) {
  const { knex, logger } = deps;
  return {
    async beginRosterSync(input: { guild: GuildIdentity }): Promise<BeginRosterSyncResult> {
      const { workflowExecution } = activityInfo();
      if (!workflowExecution) throw new Error('beginRosterSync must run inside the guildRosterSync workflow');
      const guildId = await ensureGuild(knex, input.guild);
      const result = await beginSyncRun(knex, {
        guildId,
        kind: SYNC_KINDS.blizzardRoster,
        workflowId: workflowExecution.workflowId,
        temporalRunId: workflowExecution.runId,
      });
      if (!result.started) {
        const reason = `Another roster sync is already running for this guild (sync run ${result.runningSyncRunId}, workflow ${result.runningWorkflowId})`;
        logger.info({ guildId, runningWorkflowId: result.runningWorkflowId }, 'roster sync skipped: one is already running');
        return { started: false, guildId, reason };
      }
      return { started: true, guildId, syncRunId: result.syncRunId };
    },

    async finishRosterSync(input: { syncRunId: number }): Promise<RosterSyncCounts> {
      const counts = await finishRosterRun(knex, input.syncRunId);
      logger.info({ syncRunId: input.syncRunId, counts }, 'roster sync finished');
      return counts;
    },

    async failRosterSync(input: { syncRunId: number; message: string }): Promise<void> {
      await failSyncRun(knex, input.syncRunId, input.message);
      logger.warn({ syncRunId: input.syncRunId, error: input.message }, 'roster sync failed');
    },
  };
}

export type RosterSyncActivities = ReturnType<typeof createRosterSyncActivities>;
