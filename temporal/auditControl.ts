import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { TASK_QUEUES, auditRequestedSignal, auditWorkflowId, type GuildAuditInput, type TaskQueues } from '../workflows/shared';
import { temporalUiLink } from './connect';
// The workflow function itself: its name is the workflow type, its signature types the arguments.
import { guildAudit } from '../workflows/guildAudit';

/**
 * Asks for an audit of a guild: starts its audit workflow, or tells the one waiting or running
 * that there is more to see (signal-with-start). The one place audits are requested: the report
 * trigger, the release of the first report, and the request every sync ends with.
 */
export async function requestGuildAudit(
  client: Client,
  opts: { guildKey: string; taskQueue: string; input: GuildAuditInput; reason: string; immediate: boolean },
): Promise<{ workflowId: string; runId: string }> {
  const handle = await client.workflow.signalWithStart(guildAudit, {
    workflowId: auditWorkflowId(opts.guildKey),
    taskQueue: opts.taskQueue,
    args: [opts.input],
    signal: auditRequestedSignal,
    signalArgs: [{ reason: opts.reason, immediate: opts.immediate }],
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

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
      const { workflowId, runId } = await requestGuildAudit(client, {
        guildKey: config.guild.key,
        taskQueue: taskQueues.main,
        input: guildAuditInput(config, guildId, taskQueues),
        reason: 'report_trigger',
        immediate: true,
      });
      return { workflowId, runId, temporalUiUrl: temporalUiLink(config, workflowId, runId) };
    },
  };
}
