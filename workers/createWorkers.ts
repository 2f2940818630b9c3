import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { createBlizzardActivities } from '../activities/blizzardActivities';
import { ServiceErrorInterceptor } from '../activities/serviceErrorInterceptor';
import { createAddonActivities } from '../activities/addonActivities';
import { createIdentityActivities } from '../activities/identityActivities';
import { createAuditActivities, type AuditDeps } from '../activities/auditActivities';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import { Client } from '@temporalio/client';
import { createDiscordActivities } from '../activities/discordActivities';
import { createDiscordPostActivities } from '../activities/discordPostActivities';
import { createDiscordSyncActivities } from '../activities/discordSyncActivities';
import { createRosterSyncActivities } from '../activities/rosterSyncActivities';
import type { BlizzardClient } from '../integrations/blizzard';
import type { DiscordClient } from '../integrations/discord';
import { TASK_QUEUES, type TaskQueues } from '../workflows/shared';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  knex: Knex;
  blizzard: BlizzardClient;
  discord: DiscordClient;
  logger: Logger;
  /** Prebuilt bundle (production, tests) or the workflows source path (bundled at start). */
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  taskQueues?: TaskQueues;
  /** Where and how the audit reports; without it the audit tracks findings and posts nothing. */
  audit?: AuditDeps;
}

/**
 * The workers of one process: the main queue runs workflows and database steps; the Blizzard queue
 * runs its API calls through this process's one BlizzardClient and rate limiter; the Discord queue
 * runs REST calls through one DiscordClient, whose @discordjs/rest keeps Discord's buckets.
 */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const queues = deps.taskQueues ?? TASK_QUEUES;
  const main = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: queues.main,
    ...deps.workflows,
    activities: {
      ...createRosterSyncActivities({ knex: deps.knex, logger: deps.logger }),
      ...createDiscordSyncActivities({ knex: deps.knex, logger: deps.logger }),
      ...createAddonActivities({ knex: deps.knex, logger: deps.logger }),
      ...createIdentityActivities({ knex: deps.knex, logger: deps.logger }),
      ...createAuditActivities({
        knex: deps.knex,
        logger: deps.logger,
        // The audit request signals the guild's audit workflow: a client on the worker's own connection.
        client: new Client({ connection: deps.connection, namespace: deps.namespace }),
        audit: deps.audit ?? { channelId: null, debounceSeconds: 30, settings: DEFAULT_AUDIT_SETTINGS },
        taskQueues: queues,
      }),
    },
  });
  const blizzard = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: queues.blizzard,
    activities: createBlizzardActivities({ knex: deps.knex, blizzard: deps.blizzard, logger: deps.logger }),
    interceptors: { activity: [() => ({ inbound: new ServiceErrorInterceptor() })] },
    // Batches wait on the shared limiter; more in flight only queues requests inside it.
    maxConcurrentActivityTaskExecutions: 8,
  });
  const discord = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: queues.discord,
    activities: {
      ...createDiscordActivities({ knex: deps.knex, discord: deps.discord, logger: deps.logger }),
      ...createDiscordPostActivities({ knex: deps.knex, discord: deps.discord, logger: deps.logger }),
    },
    interceptors: { activity: [() => ({ inbound: new ServiceErrorInterceptor() })] },
    maxConcurrentActivityTaskExecutions: 4,
  });
  return [main, blizzard, discord];
}

/** Runs workers until they are shut down (SIGINT/SIGTERM are handled by the SDK runtime). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
