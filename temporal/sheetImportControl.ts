import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import type { Config } from '../config';
// The workflow function itself: its name is the workflow type, its signature types args and result.
import { sheetImport, type SheetImportResult } from '../workflows/sheetImport';
import { TASK_QUEUES, sheetImportWorkflowId, type TaskQueues } from '../workflows/shared';
import { temporalUiLink } from './connect';

const START_DEADLINE_MS = 5_000;

export interface SheetImportStarted {
  workflowId: string;
  runId: string;
  temporalUiUrl: string;
}

/** Importing a recorded sheet (sheet_imports row) on Temporal, for the API, the CLI and the demo. */
export interface SheetImportControl {
  /**
   * Starts the import of a recorded sheet (or joins the one running for it), then waits up to
   * `waitMs` for its result; `result: null` when it did not finish within the wait (it still runs).
   * Throws when Temporal does not accept the start.
   */
  run(importId: number, opts: { waitMs: number }): Promise<SheetImportStarted & { result: SheetImportResult | null }>;
}

export function createSheetImportControl(client: Client, config: Pick<Config, 'guild' | 'temporal'>, taskQueues: Pick<TaskQueues, 'main'> = TASK_QUEUES): SheetImportControl {
  return {
    async run(importId, opts) {
      const workflowId = sheetImportWorkflowId(config.guild.key, importId);
      const handle = await client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
        client.workflow.start(sheetImport, {
          workflowId,
          taskQueue: taskQueues.main,
          args: [{ importId }],
          // The same sheet re-sent while it imports joins that import. A finished one may start
          // again: the activity imports only a row still "received", so it answers what it stored.
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        }),
      );
      const runId = handle.firstExecutionRunId;
      const started = { workflowId, runId, temporalUiUrl: temporalUiLink(config, workflowId, runId) };
      try {
        const result = await client.withDeadline(Date.now() + opts.waitMs, () => client.workflow.getHandle<typeof sheetImport>(workflowId, runId).result());
        return { ...started, result };
      } catch {
        // Not finished within the wait: it runs on, and its report lands on the sheet_imports row.
        return { ...started, result: null };
      }
    },
  };
}
