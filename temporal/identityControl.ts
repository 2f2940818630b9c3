import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
// The workflow function itself: its name is the workflow type, its signature types args and result.
import { identityUpdate } from '../workflows/identityUpdate';
import { TASK_QUEUES, identityUpdateRequestedSignal, identityUpdateWorkflowId, type IdentityUpdateInput, type IdentityUpdateRequest, type IdentityUpdateRound, type TaskQueues } from '../workflows/shared';
import { temporalUiLink } from './connect';

/** How long a caller gives Temporal to accept the request before it says Temporal is unreachable. */
const SIGNAL_DEADLINE_MS = 5_000;

export interface IdentityUpdateRequested {
  workflowId: string;
  runId: string;
  temporalUiUrl: string;
}

/** The round that covered the request, or `running` when it did not finish within the wait (it still runs). */
export type IdentityUpdateOutcome = (IdentityUpdateRequested & { status: 'done'; round: IdentityUpdateRound }) | (IdentityUpdateRequested & { status: 'running' });

/** Asking Temporal for the identity step (and the audit after it), for officers' decisions and the CLI. */
export interface IdentityControl {
  /**
   * Starts or joins the guild's identityUpdate workflow with this request, then waits up to
   * `waitMs` for the round that covered it. Throws when Temporal does not accept the request.
   */
  update(guildId: number, reason: IdentityUpdateRequest['reason'], opts: { waitMs: number }): Promise<IdentityUpdateOutcome>;
}

export function createIdentityControl(client: Client, config: Pick<Config, 'guild' | 'temporal'>, taskQueues: Pick<TaskQueues, 'main'> = TASK_QUEUES): IdentityControl {
  return {
    async update(guildId, reason, opts) {
      const request: IdentityUpdateRequest = { requestId: randomUUID(), reason };
      const workflowId = identityUpdateWorkflowId(config.guild.key);
      const input: IdentityUpdateInput = { guildId };
      const started = await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
        client.workflow.signalWithStart(identityUpdate, {
          workflowId,
          taskQueue: taskQueues.main,
          args: [input],
          signal: identityUpdateRequestedSignal,
          signalArgs: [request],
        }),
      );
      const runId = started.signaledRunId;
      const requested = { workflowId, runId, temporalUiUrl: temporalUiLink(config, workflowId, runId) };
      try {
        // The run that took the signal, followed through continue-as-new: its rounds include ours.
        const result = await client.withDeadline(Date.now() + opts.waitMs, () => client.workflow.getHandle<typeof identityUpdate>(workflowId, runId).result());
        const round = result.rounds.find((r) => r.requestIds.includes(request.requestId));
        if (round) return { ...requested, status: 'done', round };
      } catch {
        // Not finished within the wait (or Temporal went away meanwhile): the request is accepted and runs.
      }
      return { ...requested, status: 'running' };
    },
  };
}
