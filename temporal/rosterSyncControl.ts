import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import {
  TASK_QUEUES,
  rosterSyncProgressQuery,
  rosterSyncWorkflowId,
  type RosterSyncProgress,
  type TaskQueues,
} from '../workflows/shared';
import { temporalUiLink } from './connect';
import { describeRosterSchedule, rosterSyncInput, type ScheduleInfo } from './schedules';

const PROGRESS_QUERY_DEADLINE_MS = 2_000;

export interface RunningRosterSync {
  workflowId: string;
  runId: string;
  temporalUiUrl: string;
  progress: RosterSyncProgress | null;
}

export interface TriggeredRosterSync {
  workflowId: string;
  runId: string;
  temporalUiUrl: string;
  /** True when a sync was already running and no new one was started. */
  alreadyRunning: boolean;
}

/** What the API needs from Temporal about the roster sync. */
export interface RosterSyncControl {
  trigger(): Promise<TriggeredRosterSync>;
  running(): Promise<RunningRosterSync | null>;
  schedule(): Promise<ScheduleInfo | null>;
}

export function createRosterSyncControl(
  client: Client,
  config: Pick<Config, 'guild' | 'temporal' | 'rosterSync' | 'blizzard'>,
  taskQueues: Pick<TaskQueues, 'main' | 'blizzard'> = TASK_QUEUES,
): RosterSyncControl {
  const workflowIdPrefix = rosterSyncWorkflowId(config.guild.key);
  const input = rosterSyncInput(config, taskQueues);

  async function findRunning(): Promise<{ workflowId: string; runId: string } | null> {
    // Scheduled runs get ids of their own (<prefix>-scheduled-<time>), so look them up by prefix.
    const query = `WorkflowType = 'guildRosterSync' AND ExecutionStatus = 'Running'`;
    for await (const wf of client.workflow.list({ query })) {
      if (wf.workflowId.startsWith(workflowIdPrefix)) return { workflowId: wf.workflowId, runId: wf.runId };
    }
    return null;
  }

  /** Live progress, or null when no worker answers within a moment (status must not hang on it). */
  async function progressOf(workflowId: string, runId: string): Promise<RosterSyncProgress | null> {
    try {
      return await client.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () =>
        client.workflow.getHandle(workflowId, runId).query(rosterSyncProgressQuery),
      );
    } catch {
      // Finished a moment ago, no worker polling, or the deadline passed: status works without it.
      return null;
    }
  }

  return {
    async trigger() {
      const running = await findRunning();
      if (running) {
        return { ...running, temporalUiUrl: temporalUiLink(config, running.workflowId, running.runId), alreadyRunning: true };
      }
      const handle = await client.workflow.start('guildRosterSync', {
        workflowId: workflowIdPrefix,
        taskQueue: taskQueues.main,
        args: [input],
        // Two triggers at once collapse into one run.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      const runId = handle.firstExecutionRunId;
      return {
        workflowId: handle.workflowId,
        runId,
        temporalUiUrl: temporalUiLink(config, handle.workflowId, runId),
        alreadyRunning: false,
      };
    },
    async running() {
      const running = await findRunning();
      if (!running) return null;
      return {
        ...running,
        temporalUiUrl: temporalUiLink(config, running.workflowId, running.runId),
        progress: await progressOf(running.workflowId, running.runId),
      };
    },
    schedule: () => describeRosterSchedule(client, config),
  };
}
