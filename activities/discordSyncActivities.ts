import { activityInfo } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { recordMemberLeft } from '../db/operations/discordSync/recordMemberLeft';
import { recordMembersPresent } from '../db/operations/discordSync/recordMembersPresent';
import { ensureGuild, type GuildIdentity } from '../db/operations/guilds/ensureGuild';
import { beginSyncRun } from '../db/operations/syncRuns/beginSyncRun';
import { failSyncRun } from '../db/operations/syncRuns/failSyncRun';
import { succeedSyncRun } from '../db/operations/syncRuns/succeedSyncRun';
import { SYNC_KINDS, type DiscordMemberEvent, type DiscordReconcileCounts } from '../workflows/shared';

export type BeginDiscordReconcileResult =
  | { started: true; guildId: number; syncRunId: number }
  | { started: false; guildId: number; reason: string };

/** Database steps of the Discord sync (main task queue): run bookkeeping and live member events. */
export function createDiscordSyncActivities(deps: { knex: Knex; logger: Logger }) {
  const { knex, logger } = deps;
  return {
    async beginDiscordReconcile(input: { guild: GuildIdentity }): Promise<BeginDiscordReconcileResult> {
      const { workflowExecution } = activityInfo();
      if (!workflowExecution) throw new Error('beginDiscordReconcile must run inside the discordReconcile workflow');
      const guildId = await ensureGuild(knex, input.guild);
      const result = await beginSyncRun(knex, {
        guildId,
        kind: SYNC_KINDS.discordReconcile,
        workflowId: workflowExecution.workflowId,
        temporalRunId: workflowExecution.runId,
      });
      if (!result.started) {
        return { started: false, guildId, reason: `Another Discord reconcile is already running (workflow ${result.runningWorkflowId})` };
      }
      return { started: true, guildId, syncRunId: result.syncRunId };
    },

    async finishDiscordReconcile(input: { syncRunId: number; counts: DiscordReconcileCounts }): Promise<DiscordReconcileCounts> {
      const counts = await succeedSyncRun(knex, input.syncRunId, input.counts);
      logger.info({ syncRunId: input.syncRunId, members: counts.members, rowsWritten: counts.rowsWritten }, 'Discord reconcile finished');
      return counts;
    },

    async failDiscordReconcile(input: { syncRunId: number; message: string }): Promise<void> {
      await failSyncRun(knex, input.syncRunId, input.message);
      logger.warn({ syncRunId: input.syncRunId, error: input.message }, 'Discord reconcile failed');
    },

    /** One live event. Idempotent: the same event applied twice finds nothing to change. */
    async applyDiscordMemberEvent(input: { guildId: number; event: DiscordMemberEvent }): Promise<{ rowsWritten: number; outcome: string }> {
      const { guildId, event } = input;
      const observedAt = new Date(event.observedAt);
      if (event.kind === 'left') {
        const r = await recordMemberLeft(knex, { guildId, user: event.user, observedAt, source: 'gateway' });
        logger.info({ guildId, userId: event.user.userId, username: event.user.username, outcome: r.outcome }, 'Discord member left');
        return r;
      }
      const r = await recordMembersPresent(knex, { guildId, members: [event.member], observedAt, source: 'gateway' });
      const outcome = r.new ? 'new' : r.rejoined ? 'rejoined' : r.changed ? 'changed' : r.stale ? 'stale' : 'unchanged';
      logger.info({ guildId, userId: event.member.userId, username: event.member.username, kind: event.kind, outcome, events: r.events }, 'Discord member event applied');
      return { rowsWritten: r.rowsWritten, outcome };
    },
  };
}

export type DiscordSyncActivities = ReturnType<typeof createDiscordSyncActivities>;
