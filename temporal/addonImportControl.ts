import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { TASK_QUEUES, addonImportWorkflowId, type TaskQueues } from '../workflows/shared';
// The workflow function itself: its name is the workflow type, its signature types the arguments.
import { addonImport } from '../workflows/addonImport';

/** Starting the durable import of an accepted upload (the API's only use of it). */
export interface AddonImportControl {
  start(uploadId: number): Promise<{ workflowId: string }>;
}

export function createAddonImportControl(client: Client, config: Pick<Config, 'guild'>, taskQueues: Pick<TaskQueues, 'main'> = TASK_QUEUES): AddonImportControl {
  return {
    async start(uploadId) {
      const workflowId = addonImportWorkflowId(config.guild.key, uploadId);
      await client.workflow.start(addonImport, {
        workflowId,
        taskQueue: taskQueues.main,
        args: [{ uploadId }],
        // A retried request for the same upload joins the import already started.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
      return { workflowId };
    },
  };
}
