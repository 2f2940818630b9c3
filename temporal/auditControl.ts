import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { TASK_QUEUES, auditRequestedSignal, auditWorkflowId, type GuildAuditInput, type TaskQueues } from '../workflows/shared';
import { temporalUiLink } from './connect';

/** What the API needs from Temporal about the audit: ask for a report now. */
export interface AuditControl {
  trigger(guildId: number): Promise<{ workflowId: string; runId: string; temporalUiUrl: string }>;
}

export function guildAuditInput(config: Pick<Config, 'discord' | 'audit'>, guildId: number, taskQueues: Pick<TaskQueues, 'discord'> = TASK_QUEUES): GuildAuditInput {
  return {
    guildId,
    channelId: config.discord.auditChannelId ?? null,
    debounceSeconds: config.audit.debounceSeconds,
    settings: config.audit.settings,
    discordTaskQueue: taskQueues.discord,
  };
}

export function createAuditControl(client: Client, config: Pick<Config, 'guild' | 'temporal' | 'discord' | 'audit'>, taskQueues: Pick<TaskQueues, 'main' | 'discord'> = TASK_QUEUES): AuditControl {
  return {
    async trigger(guildId) {
      // Joins the audit already waiting or running, and tells it not to wait for a quiet spell.
      const handle = await client.workflow.signalWithStart('guildAudit', {
        workflowId: auditWorkflowId(config.guild.key),
        taskQueue: taskQueues.main,
        args: [guildAuditInput(config, guildId, taskQueues)],
        signal: auditRequestedSignal,
        signalArgs: [{ reason: 'report_trigger', immediate: true }],
      });
      const runId = handle.signaledRunId;
      return { workflowId: handle.workflowId, runId, temporalUiUrl: temporalUiLink(config, handle.workflowId, runId) };
    },
  };
}
