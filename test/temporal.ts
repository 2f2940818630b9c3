import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import pino from 'pino';
import type { Knex } from 'knex';
import { BlizzardClient } from '../integrations/blizzard';
import { DiscordClient } from '../integrations/discord';
import type { AuditDeps } from '../activities/auditActivities';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import type { TaskQueues } from '../workflows/shared';
import { createWorkers } from '../workers/createWorkers';

let runtimeInstalled = false;
const NOWHERE = 'http://127.0.0.1:9';

export interface TestWorkers {
  client: Client;
  taskQueues: TaskQueues;
  shutdown(): Promise<void>;
}

/**
 * Real workers on the suite's Temporal server, on task queues no other test uses. Tests that do not
 * touch one of the services get a client for it that points nowhere (it is never called).
 */
export async function startTestWorkers(deps: { knex: Knex; blizzard?: BlizzardClient; discord?: DiscordClient; taskQueues?: TaskQueues; audit?: AuditDeps }): Promise<TestWorkers> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = process.env.TEMPORAL_ADDRESS!;
  const taskQueues = deps.taskQueues ?? { main: `test-main-${randomUUID()}`, blizzard: `test-blizzard-${randomUUID()}`, discord: `test-discord-${randomUUID()}` };
  const nativeConnection = await NativeConnection.connect({ address });
  const workers: Worker[] = await createWorkers({
    connection: nativeConnection,
    namespace: 'default',
    knex: deps.knex,
    blizzard: deps.blizzard ?? new BlizzardClient({ clientId: 'unused', clientSecret: 'unused', region: 'us', apiUrl: NOWHERE, oauthUrl: NOWHERE, ratePerSecond: 1, ratePerHour: 1, timeoutMs: 1000 }),
    discord: deps.discord ?? new DiscordClient({ botToken: 'unused', apiUrl: NOWHERE, timeoutMs: 1000 }),
    logger: pino({ level: 'silent' }),
    workflows: { workflowBundle: { codePath: process.env.PATT_TEST_WORKFLOW_BUNDLE! } },
    taskQueues,
    // Audits run in every test that syncs; they post only where a test gives a channel.
    audit: deps.audit ?? { channelId: null, debounceSeconds: 1, settings: DEFAULT_AUDIT_SETTINGS },
  });
  const running = workers.map((w) => w.run());
  const connection = await Connection.connect({ address });
  let closed = false;
  return {
    client: new Client({ connection, namespace: 'default' }),
    taskQueues,
    async shutdown() {
      if (closed) return;
      closed = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export async function testTemporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
}
