import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { TASK_QUEUES, discordReconcileWorkflowId, type TaskQueues } from '../workflows/shared';
import { temporalUiLink } from './connect';
import { describeDiscordReconcileSchedule, discordReconcileInput, type ScheduleInfo } from './schedules';

export interface TriggeredDiscordReconcile {
  workflowId: string;
  runId: string;
  temporalUiUrl: string;
}

/** What the API needs from Temporal about the Discord side. */
export interface DiscordSyncControl {
  /** Starts a reconcile now, or returns the one already running under the manual id. */
  trigger(): Promise<TriggeredDiscordReconcile>;
  schedule(): Promise<ScheduleInfo | null>;
}

export function createDiscordSyncControl(
  client: Client,
  config: Pick<Config, 'guild' | 'temporal' | 'blizzard' | 'discord'>,
  taskQueues: Pick<TaskQueues, 'main' | 'discord'> = TASK_QUEUES,
): DiscordSyncControl {
  return {
    async trigger() {
      const handle = await client.workflow.start('discordReconcile', {
        workflowId: discordReconcileWorkflowId(config.guild.key),
        taskQueue: taskQueues.main,
        args: [discordReconcileInput(config, taskQueues)],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      const runId = handle.firstExecutionRunId;
      return { workflowId: handle.workflowId, runId, temporalUiUrl: temporalUiLink(config, handle.workflowId, runId) };
    },
    schedule: () => describeDiscordReconcileSchedule(client, config),
  };
}
