import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import pino from 'pino';
import type { Knex } from 'knex';
import { BlizzardClient } from '../integrations/blizzard';
import { createWorkers } from '../workers/createWorkers';

let runtimeInstalled = false;

export interface TestWorkers {
  client: Client;
  taskQueues: { main: string; blizzard: string };
  shutdown(): Promise<void>;
}

/** Real workers on the suite's Temporal server, on task queues no other test uses. */
export async function startTestWorkers(deps: { knex: Knex; blizzard: BlizzardClient }): Promise<TestWorkers> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = process.env.TEMPORAL_ADDRESS!;
  const taskQueues = { main: `test-main-${randomUUID()}`, blizzard: `test-blizzard-${randomUUID()}` };
  const nativeConnection = await NativeConnection.connect({ address });
  const workers: Worker[] = await createWorkers({
    connection: nativeConnection,
    namespace: 'default',
    knex: deps.knex,
    blizzard: deps.blizzard,
    logger: pino({ level: 'silent' }),
    workflows: { workflowBundle: { codePath: process.env.PATT_TEST_WORKFLOW_BUNDLE! } },
    taskQueues,
  });
  const running = workers.map((w) => w.run());
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    taskQueues,
    async shutdown() {
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
