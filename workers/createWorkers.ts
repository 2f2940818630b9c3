import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { createBlizzardActivities } from '../activities/blizzardActivities';
import { BlizzardErrorInterceptor } from '../activities/blizzardErrorInterceptor';
import { createRosterSyncActivities } from '../activities/rosterSyncActivities';
import type { BlizzardClient } from '../integrations/blizzard';
import { TASK_QUEUES } from '../workflows/shared';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  knex: Knex;
  blizzard: BlizzardClient;
  logger: Logger;
  /** Prebuilt bundle (production, tests) or the workflows source path (bundled at start). */
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  taskQueues?: { main: string; blizzard: string };
}

/**
 * The two workers of one process: the main queue runs workflows and database steps; the Blizzard
 * queue runs API calls, all through this process's one BlizzardClient and its rate limiter.
 */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const queues = deps.taskQueues ?? TASK_QUEUES;
  const main = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: queues.main,
    ...deps.workflows,
    activities: createRosterSyncActivities({ knex: deps.knex, logger: deps.logger }),
  });
  const blizzard = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: queues.blizzard,
    activities: createBlizzardActivities({ knex: deps.knex, blizzard: deps.blizzard, logger: deps.logger }),
    interceptors: { activity: [() => ({ inbound: new BlizzardErrorInterceptor() })] },
    // Batches wait on the shared limiter; more in flight only queues requests inside it.
    maxConcurrentActivityTaskExecutions: 8,
  });
  return [main, blizzard];
}

/** Runs workers until they are shut down (SIGINT/SIGTERM are handled by the SDK runtime). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
